using System.Globalization;

namespace GpuSharing.Grains.Hardware.AmdSmi;

/// <summary>
/// One entry of <c>amd-smi list</c>: a logical GPU. In a partitioned mode every compute partition (XCP) is one, and
/// the function number of its PCI address is the partition (<c>0000:0c:00.3</c> is XCP 3 of the GPU at <c>0000:0c:00</c>).
/// <see cref="Render"/> and <see cref="HipId"/> come from <c>list -e</c> (ROCm 6.4+): render minors need not start at
/// 128 nor be contiguous, and HIP may number devices differently from amd-smi, so neither is derived from the index.
/// </summary>
public sealed record AmdSmiLogicalDevice(int Gpu, string? Bdf, string? Uuid, long? KfdId, int? NodeId, int? PartitionId, string? Render = null, int? HipId = null)
{
    /// <summary>The physical GPU's address: the BDF without its function.</summary>
    public string? PhysicalBdf => Bdf is { } bdf && bdf.LastIndexOf('.') is var dot and > 0 ? bdf[..dot] : Bdf;

    /// <summary>The BDF's function number (the XCP index), when the address has one.</summary>
    public int? Function => Bdf is { } bdf && bdf.LastIndexOf('.') is var dot and > 0 && int.TryParse(bdf[(dot + 1)..], NumberStyles.HexNumber, null, out var f) ? f : null;

    /// <summary>
    /// The render node's device path (<c>/dev/dri/renderD136</c>) from what <c>list -e</c> printed (<c>renderD136</c>,
    /// a path, or a bare minor number); null when the tool did not say.
    /// </summary>
    public string? RenderNode
    {
        get
        {
            var text = Render?.Trim();
            if (string.IsNullOrEmpty(text) || AmdSmiQuantity.IsMissing(text))
            {
                return null;
            }

            var name = text[(text.LastIndexOf('/') + 1)..];
            if (int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var minor))
            {
                name = string.Create(CultureInfo.InvariantCulture, $"renderD{minor}");
            }

            return name.StartsWith("renderD", StringComparison.Ordinal) && name.Length > 7 && name[7..].All(char.IsAsciiDigit)
                ? "/dev/dri/" + name
                : null;
        }
    }
}
