namespace GpuSharing.Grains.Hardware.AmdSmi;

/// <summary>A <c>GPU: N</c> (or <c>CPU: N</c>) block of amd-smi's text output.</summary>
public sealed record AmdSmiTextDevice(string Kind, int Index, AmdSmiTextNode Root);
