using GpuSharing.Grains.Hardware.Catalog;

namespace GpuSharing.Grains.Hardware.AmdSmi;

/// <summary>
/// The VRAM a GPU and each of its partitions really have, from what its logical devices report. amd-smi reports it in
/// three styles, and the numbers alone do not say which: (a) the primary partition reports the whole device and the
/// others their share (ROCm 6.4+ by default); (b) every partition reports only its share (ROCm 7.14's <c>CAPPING</c>
/// allocation mode, some 6.4.x builds); (c) every partition reports the whole device (ROCm 6.3). Dividing the largest
/// report by the partition count is right only for (a) and (c): under (b) it divides a share a second time.
/// <para>
/// So the device total never comes from a share: it is the catalog's HBM for a known family (or the device's own
/// figure for the whole device when one partition reports it, which is a little under the nominal size), and a
/// partition gets the smaller of an even share of it and the smallest size any partition reports. A reported share
/// is taken as it is, never divided.
/// </para>
/// </summary>
public static class AmdSmiPartitionMemory
{
    // A report within 10 % of the catalog's HBM is the whole device (196,592 MB on a 192 GiB MI300X).
    private const double WholeDeviceTolerance = 0.9;

    /// <param name="family">The catalog family, or null for a device the catalog does not know.</param>
    /// <param name="partitions">How many compute partitions the GPU is in.</param>
    /// <param name="reported">The VRAM each partition (logical device) reports; missing and zero values left out.</param>
    /// <param name="equalReportsAreShares">
    /// Only for an unknown family whose partitions all report the same size: true when that size is each partition's
    /// share (tools from ROCm 6.4 on), false when it is the whole device (ROCm 6.3 and older).
    /// </param>
    public static (long DeviceBytes, long PartitionBytes) Resolve(GpuFamily? family, int partitions, IReadOnlyList<long> reported, bool equalReportsAreShares)
    {
        partitions = Math.Max(1, partitions);
        var sizes = reported.Where(v => v > 0).ToList();
        long device;
        if (family is not null)
        {
            var whole = sizes.Where(v => v >= family.HbmBytes * WholeDeviceTolerance).DefaultIfEmpty(0).Max();
            device = whole > 0 ? Math.Min(whole, family.HbmBytes) : family.HbmBytes;
        }
        else if (sizes.Count == 0)
        {
            return (0, 0);
        }
        else if (partitions > 1 && sizes.Min() == sizes.Max())
        {
            device = equalReportsAreShares ? sizes[0] * partitions : sizes[0];
        }
        else
        {
            device = sizes.Max();
        }

        var even = device / partitions;
        return (device, sizes.Count > 0 ? Math.Min(even, sizes.Min()) : even);
    }
}
