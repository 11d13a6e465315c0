namespace GpuSharing.Grains.Interfaces.Hardware;

/// <summary>
/// What a workload needs to run on a partition: the logical device index (HIP_VISIBLE_DEVICES / ROCR_VISIBLE_DEVICES,
/// global across the node's GPUs), the render node for host-device bindings, the PCI address of the partition and the
/// device-plugin resource name under the mixed naming strategy (for example <c>amd.com/cpx_nps4</c>).
/// </summary>
[GenerateSerializer, Immutable, Alias("gpusharing.DeviceBinding")]
public sealed record DeviceBinding(int? LogicalIndex, string? RenderNode, string? Bdf, string ResourceName);
