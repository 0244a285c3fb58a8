package dev.weft.store;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * {@link ClusterStore} on etcd v3 (jetcd), keys as kube-apiserver lays them out (see {@link KeyLayout}), values the
 * objects' Kubernetes JSON. resourceVersion = the key's mod revision. create = Txn(createRevision == 0),
 * update = Txn(modRevision == resourceVersion).
 */
public final class EtcdClusterStore implements ClusterStore {
    private final Client client;
    private final KeyLayout keys;
    private final EtcdCalls calls;
    private final ObjectCodec codec = new ObjectCodec();
    private final ScheduledExecutorService renewals;
    private final EtcdReconnect reconnect;

    private EtcdClusterStore(Client client, KeyLayout keys, EtcdCalls calls) {
        this.client = client;
        this.keys = keys;
        this.calls = calls;
        this.reconnect = new EtcdReconnect(client);
        this.renewals = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("etcd-lease-renewal").factory());
    }

    /** Connects lazily (the first call fails with {@link StoreUnavailableException} if etcd is down). */
    public static EtcdClusterStore connect(List<String> endpoints, String prefix, Duration timeout) {
        if (endpoints == null || endpoints.isEmpty()) throw new IllegalArgumentException("no etcd endpoints");
        Client client = Client.builder()
                .endpoints(endpoints.toArray(String[]::new))
                .connectTimeout(timeout)
                .retryMaxDuration(timeout)
                // jetcd's default retry backoff grows to 2.5 s; a local etcd coming back is worth asking sooner
                .retryDelay(100)
                .retryMaxDelay(1_000)
                .build();
        return new EtcdClusterStore(client, new KeyLayout(prefix), new EtcdCalls(timeout, String.join(",", endpoints)));
    }

    public KeyLayout keys() { return keys; }

    @Override
    public <T extends HasMetadata> Optional<T> get(Class<T> kind, String namespace, String name) {
        String key = keys.key(kind, namespace, name);
        GetResponse response = calls.await(client.getKVClient().get(bytes(key)), "get " + key);
        return response.getKvs().stream().findFirst().map(kv -> codec.decode(kv.getValue().getBytes(), kind, kv.getModRevision()));
    }

    @Override
    public <T extends HasMetadata> List<T> list(Class<T> kind, String namespace) {
        String prefix = keys.collection(kind, namespace);
        GetResponse response = calls.await(
                client.getKVClient().get(bytes(prefix), GetOption.builder().isPrefix(true).build()), "list " + prefix);
        List<T> objects = new ArrayList<>(response.getKvs().size());
        for (KeyValue kv : response.getKvs()) objects.add(codec.decode(kv.getValue().getBytes(), kind, kv.getModRevision()));
        return objects;
    }

    @Override
    public <T extends HasMetadata> T create(T obj) { return create(obj, 0L); }

    @Override
    public <T extends HasMetadata> T createWithLease(T obj, Lease lease) { return create(obj, lease.id()); }

    @Override
    public <T extends HasMetadata> T update(T obj) { return update(obj, 0L); }

    @Override
    public <T extends HasMetadata> T updateWithLease(T obj, Lease lease) { return update(obj, lease.id()); }

    @Override
    public <T extends HasMetadata> T put(T obj) { return put(obj, 0L); }

    @Override
    public <T extends HasMetadata> T putWithLease(T obj, Lease lease) { return put(obj, lease.id()); }

    private <T extends HasMetadata> T create(T obj, long leaseId) {
        String key = keyOf(obj);
        byte[] value = codec.encodeNew(obj);
        TxnResponse response = calls.await(client.getKVClient().txn()
                .If(new Cmp(bytes(key), Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                .Then(Op.put(bytes(key), ByteSequence.from(value), putOption(leaseId)))
                .commit(), "create " + key);
        if (!response.isSucceeded()) throw new AlreadyExistsException(describe(obj) + " already exists");
        return decodeOwn(value, obj, response.getHeader().getRevision());
    }

    private <T extends HasMetadata> T update(T obj, long leaseId) {
        String key = keyOf(obj);
        long expected = resourceVersion(obj);
        byte[] value = codec.encode(obj);
        TxnResponse response = calls.await(client.getKVClient().txn()
                .If(new Cmp(bytes(key), Cmp.Op.EQUAL, CmpTarget.modRevision(expected)))
                .Then(Op.put(bytes(key), ByteSequence.from(value), putOption(leaseId)))
                .Else(Op.get(bytes(key), GetOption.DEFAULT))
                .commit(), "update " + key);
        if (response.isSucceeded()) return decodeOwn(value, obj, response.getHeader().getRevision());
        List<KeyValue> current = response.getGetResponses().getFirst().getKvs();
        if (current.isEmpty()) throw new NotFoundException(describe(obj) + " not found");
        throw new ConflictException("the object has been modified: " + describe(obj) + " is at resourceVersion "
                + current.getFirst().getModRevision() + ", not " + expected + "; read it again and retry");
    }

    private <T extends HasMetadata> T put(T obj, long leaseId) {
        String key = keyOf(obj);
        byte[] value = codec.encodeNew(obj);
        var response = calls.await(client.getKVClient().put(bytes(key), ByteSequence.from(value), putOption(leaseId)), "put " + key);
        return decodeOwn(value, obj, response.getHeader().getRevision());
    }

    @Override
    public <T extends HasMetadata> boolean delete(Class<T> kind, String namespace, String name) {
        String key = keys.key(kind, namespace, name);
        return calls.await(client.getKVClient().delete(bytes(key)), "delete " + key).getDeleted() > 0;
    }

    @Override
    public <T extends HasMetadata> Watch watch(Class<T> kind, String namespace, WatchHandler<T> handler) {
        EtcdWatch<T> watch = new EtcdWatch<>(client, calls, reconnect, keys.collection(kind, namespace), kind, codec, handler);
        watch.start();
        return watch;
    }

    @Override
    public Lease grantLease(Duration ttl) {
        long seconds = Math.max(1, (ttl.toMillis() + 999) / 1000);
        var response = calls.await(client.getLeaseClient().grant(seconds), "grant lease of " + seconds + " s");
        return new EtcdLease(client.getLeaseClient(), calls, renewals, response.getID(), Duration.ofSeconds(response.getTTL()));
    }

    @Override
    public String describe() { return "etcd " + calls.endpoints() + " " + keys.prefix(); }

    @Override
    public void close() {
        renewals.shutdownNow();
        client.close();
    }

    private String keyOf(HasMetadata obj) {
        ObjectMeta meta = ObjectCodec.requireMetadata(obj);
        return keys.key(obj.getClass(), meta.getNamespace(), meta.getName());
    }

    @SuppressWarnings("unchecked")
    private <T extends HasMetadata> T decodeOwn(byte[] stored, T original, long revision) {
        return codec.decode(stored, (Class<T>) original.getClass(), revision);
    }

    private static long resourceVersion(HasMetadata obj) {
        String rv = obj.getMetadata().getResourceVersion();
        if (rv == null || rv.isEmpty())
            throw new IllegalArgumentException("update of " + describe(obj) + " needs metadata.resourceVersion (use put to overwrite)");
        try {
            return Long.parseLong(rv);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("resourceVersion '" + rv + "' of " + describe(obj) + " is not an etcd revision");
        }
    }

    private static PutOption putOption(long leaseId) {
        return leaseId == 0 ? PutOption.DEFAULT : PutOption.builder().withLeaseId(leaseId).build();
    }

    static String describe(HasMetadata obj) {
        String ns = obj.getMetadata().getNamespace();
        return obj.getKind() + " " + (ns == null || !KeyLayout.namespaced(obj.getClass()) ? "" : ns + "/") + obj.getMetadata().getName();
    }

    static ByteSequence bytes(String s) { return ByteSequence.from(s, StandardCharsets.UTF_8); }
}
