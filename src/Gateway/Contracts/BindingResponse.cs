namespace GpuSharing.Gateway.Contracts;

/// <summary>How a workload selects the partition: logical device index (HIP/ROCR_VISIBLE_DEVICES), render node, PCI address, device-plugin resource.</summary>
public sealed record BindingResponse(int? LogicalIndex, string? RenderNode, string? Bdf, string ResourceName);
