package dev.weft.store;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

/** Kubernetes JSON (fabric8's serialization) in and out of the store. resourceVersion is never stored. */
final class ObjectCodec {
    private final KubernetesSerialization serialization = new KubernetesSerialization();

    /** The stored form: the object's JSON without resourceVersion. */
    byte[] encode(HasMetadata obj) {
        HasMetadata copy = serialization.clone(obj);
        copy.getMetadata().setResourceVersion(null);
        return serialization.asJson(copy).getBytes(StandardCharsets.UTF_8);
    }

    /** The stored form of a new object: as {@link #encode} plus uid and creationTimestamp when missing. */
    byte[] encodeNew(HasMetadata obj) {
        HasMetadata copy = serialization.clone(obj);
        ObjectMeta meta = copy.getMetadata();
        if (meta.getUid() == null) meta.setUid(UUID.randomUUID().toString());
        if (meta.getCreationTimestamp() == null)
            meta.setCreationTimestamp(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        return encode(copy);
    }

    <T extends HasMetadata> T decode(byte[] json, Class<T> kind, long modRevision) {
        T obj = serialization.unmarshal(new String(json, StandardCharsets.UTF_8), kind);
        obj.getMetadata().setResourceVersion(Long.toString(modRevision));
        return obj;
    }

    <T> T copy(T obj) { return serialization.clone(obj); }

    static ObjectMeta requireMetadata(HasMetadata obj) {
        if (obj == null) throw new IllegalArgumentException("object is null");
        ObjectMeta meta = obj.getMetadata();
        if (meta == null || meta.getName() == null || meta.getName().isEmpty())
            throw new IllegalArgumentException(obj.getKind() + " has no metadata.name");
        return meta;
    }
}
