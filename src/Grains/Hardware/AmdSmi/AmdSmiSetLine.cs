namespace GpuSharing.Grains.Hardware.AmdSmi;

/// <summary>One GPU's answer to a <c>set</c> command: <c>ACCELERATOR_PARTITION: Successfully set …</c> or <c>[AMDSMI_STATUS_X] Unable to set …</c>.</summary>
public sealed record AmdSmiSetLine(int Gpu, string Setting, bool Succeeded, string? Status, string Message);
