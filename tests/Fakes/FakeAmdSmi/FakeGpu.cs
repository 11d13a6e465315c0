namespace GpuSharing.Fakes.AmdSmi;

internal sealed class FakeGpu
{
    public string Family { get; set; } = "MI300X";

    public string Compute { get; set; } = "SPX";

    /// <summary>The PCI bus of the GPU; partitions are functions 0–7 of device 00 on it.</summary>
    public string Bus { get; set; } = "0c";

    public string Bdf(int xcp) => $"0000:{Bus}:00.{xcp}";
}
