package dev.weft.store;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespaced;

/**
 * Where objects live in etcd, as kube-apiserver lays them out: {@code <prefix>/<plural>/<namespace>/<name>} for
 * namespaced kinds, {@code <prefix>/<plural>/<name>} for cluster-scoped ones (Node).
 */
public record KeyLayout(String prefix) {
    public static final String DEFAULT_PREFIX = "/weft/registry";

    public KeyLayout {
        if (prefix == null || prefix.isBlank()) prefix = DEFAULT_PREFIX;
        if (!prefix.startsWith("/")) throw new IllegalArgumentException("etcd prefix must start with '/': " + prefix);
        while (prefix.length() > 1 && prefix.endsWith("/")) prefix = prefix.substring(0, prefix.length() - 1);
    }

    public static KeyLayout defaults() { return new KeyLayout(DEFAULT_PREFIX); }

    /** The key of one object. */
    public String key(Class<? extends HasMetadata> kind, String namespace, String name) {
        requireSegment("name", name);
        return collection(kind, requireNamespace(kind, namespace)) + name;
    }

    /** The key prefix (ending in '/') of a kind, in one namespace or (null) in all. */
    public String collection(Class<? extends HasMetadata> kind, String namespace) {
        String base = prefix + "/" + resource(kind) + "/";
        if (!namespaced(kind) || namespace == null) return base;
        requireSegment("namespace", namespace);
        return base + namespace + "/";
    }

    public static String resource(Class<? extends HasMetadata> kind) { return HasMetadata.getPlural(kind); }

    public static boolean namespaced(Class<? extends HasMetadata> kind) { return Namespaced.class.isAssignableFrom(kind); }

    /** The namespace an operation uses: required for namespaced kinds, null for cluster-scoped ones. */
    public static String requireNamespace(Class<? extends HasMetadata> kind, String namespace) {
        if (!namespaced(kind)) return null;
        if (namespace == null || namespace.isEmpty())
            throw new IllegalArgumentException(HasMetadata.getKind(kind) + " is namespaced: a namespace is required");
        return namespace;
    }

    private static void requireSegment(String what, String value) {
        if (value == null || value.isEmpty() || value.contains("/"))
            throw new IllegalArgumentException("invalid " + what + " '" + value + "'");
    }
}
