namespace GpuSharing.Grains.Hardware.AmdSmi;

/// <summary>
/// One entry of <c>amd-smi list</c>: a logical GPU. In a partitioned mode every compute partition (XCP) is one, and
/// the function number of its PCI address is the partition (<c>0000:0c:00.3</c> is XCP 3 of the GPU at <c>0000:0c:00</c>).
/// </summary>
public sealed record AmdSmiLogicalDevice(int Gpu, string? Bdf, string? Uuid, long? KfdId, int? NodeId, int? PartitionId)
{
    /// <summary>The physical GPU's address: the BDF without its function.</summary>
    public string? PhysicalBdf => Bdf is { } bdf && bdf.LastIndexOf('.') is var dot and > 0 ? bdf[..dot] : Bdf;

    /// <summary>The BDF's function number (the XCP index), when the address has one.</summary>
    public int? Function => Bdf is { } bdf && bdf.LastIndexOf('.') is var dot and > 0 && int.TryParse(bdf[(dot + 1)..], System.Globalization.NumberStyles.HexNumber, null, out var f) ? f : null;
}
