namespace GpuSharing.Fakes.AmdSmi;

internal sealed class FakeProcess
{
    public int Gpu { get; set; }

    /// <summary>The partition (XCP) of the GPU it runs on; its VRAM counts there.</summary>
    public int Partition { get; set; }

    public int Pid { get; set; }

    public string Name { get; set; } = "python3";

    public long VramBytes { get; set; }
}
