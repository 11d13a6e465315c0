using GpuSharing.Grains.Interfaces.Hardware;
using GpuSharing.Grains.Planning.Sizing;

namespace GpuSharing.Grains.Planning.Placement;

/// <summary>One way to hold an exclusive replica: a family, a layout, a span, and the fraction of a GPU it takes.</summary>
internal sealed record ExclusiveOption(int Family, ComputeMode Mode, int Span, PartitionFit Fit, double Fraction);
