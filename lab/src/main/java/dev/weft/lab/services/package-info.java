/**
 * The Services control plane without an apiserver: what kube-apiserver and kube-controller-manager do for
 * Services, on a bare {@link dev.weft.store.ClusterStore} (etcd). Free of lab code, so that an apiserver-less weft
 * can reuse it; the lab runs it ({@code dev.weft.lab.ServicesControlPlane}) and {@code weft apply/get/delete} call it.
 *
 * <ul>
 *   <li>{@link dev.weft.lab.services.ServiceApplier}: apply (validate and default with
 *       {@link dev.weft.lab.services.ServiceValidator}, allocate, store) and delete (free everything) of
 *       Kubernetes {@code v1 Service} objects; {@link dev.weft.lab.services.ManifestReader} reads manifests.
 *   <li>Allocation state lives in etcd as one record per allocated value, taken with an atomic create-if-absent
 *       ({@code ClusterStore.create}) and deleted when released:
 *       <ul>
 *         <li>{@code <prefix>/ipaddresses/<ip>}: a {@code networking.k8s.io/v1 IPAddress} (as Kubernetes 1.33 keeps
 *             ClusterIPs), {@code spec.parentRef} = the Service, label {@code ipaddress.kubernetes.io/managed-by}
 *             = {@code ipallocator.k8s.io} (ClusterIPs, {@link dev.weft.lab.services.IpAddressAllocator#clusterIps})
 *             or {@code lb-ipam.weft.dev} (LoadBalancer ingress IPs);
 *         <li>{@code <prefix>/nodeportallocations/<port>}: a {@code weft.dev/v1alpha1}
 *             {@link dev.weft.lab.services.NodePortAllocation} naming the Service (NodePorts and
 *             healthCheckNodePorts: one number space, as in Kubernetes).
 *       </ul>
 *       The ranges are a {@link dev.weft.lab.services.ServiceRanges} (the lab's are in its {@code lab.json}).
 *   <li>{@link dev.weft.lab.services.EndpointSliceController}: EndpointSlices in step with Services and Pods
 *       ({@link dev.weft.lab.services.EndpointSlicePlan} says what they hold), level-triggered.
 * </ul>
 */
package dev.weft.lab.services;
