namespace GpuSharing.Gateway.Contracts;

/// <summary>The bound GPUs used is measured against, and which one it is.</summary>
public sealed record LowerBoundResponse(string Name, int Value, double Ratio);
