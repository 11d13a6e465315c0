namespace GpuSharing.Grains.Interfaces.Hardware;

/// <summary>
/// One compute partition (XCP) as the device shows it: usable VRAM and CUs, and how a workload selects it
/// (the logical device index used by HIP_VISIBLE_DEVICES / ROCR_VISIBLE_DEVICES, its render node and PCI function).
/// </summary>
[GenerateSerializer, Immutable, Alias("gpusharing.DevicePartition")]
public sealed record DevicePartition(int Index, long VramBytes, int ComputeUnits, string? Bdf, int? LogicalIndex, string? RenderNode);
