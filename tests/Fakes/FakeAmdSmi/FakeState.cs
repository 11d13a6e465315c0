using System.Text.Json;
using System.Text.Json.Serialization;

namespace GpuSharing.Fakes.AmdSmi;

/// <summary>The fake device: ROCm version it behaves like, platform, modes, processes and queued faults.</summary>
internal sealed class FakeState
{
    /// <summary>How the fake writes its output: indented, as amd-smi does.</summary>
    public static readonly JsonSerializerOptions Json = FakeJson.Default.Options;

    public string Rocm { get; set; } = "7.0.0";

    public string Tool { get; set; } = "26.0.0+fake";

    public string Platform { get; set; } = "Linux Baremetal";

    /// <summary>Whether amd-smi runs as root: without it, sets fail with NO_PERM and profiles are withheld.</summary>
    public bool Root { get; set; } = true;

    public string Memory { get; set; } = "NPS1";

    public string? PendingMemory { get; set; }

    /// <summary>
    /// How partitions report their VRAM (every style is seen in the field): <c>primary-whole</c> — the primary
    /// partition reports the whole device, the others their share (ROCm 6.4+ default); <c>shares</c> — every
    /// partition reports its share (ROCm 7.14 CAPPING, some 6.4.x builds); <c>whole</c> — every partition reports the
    /// whole device (ROCm 6.3).
    /// </summary>
    public string MemoryReporting { get; set; } = "primary-whole";

    /// <summary>Secondary partitions print N/A for their compute and memory modes (amd-smi 25.x in CPX/NPS4).</summary>
    public bool SecondaryModesUnknown { get; set; }

    /// <summary>Render minors of the logical GPUs in enumeration order (<c>list -e</c>); default 128 + logical id.</summary>
    public List<int>? RenderMinors { get; set; }

    public List<FakeGpu> Gpus { get; set; } = [];

    public List<FakeProcess> Processes { get; set; } = [];

    public List<FakeFault> Faults { get; set; } = [];

    [JsonIgnore]
    public Version RocmVersion => Version.TryParse(Rocm, out var v) ? v : new Version(7, 0);

    [JsonIgnore]
    public bool GpuDataEnvelope => RocmVersion >= new Version(7, 0);

    [JsonIgnore]
    public bool SeparateReload => RocmVersion >= new Version(7, 0);

    [JsonIgnore]
    public bool HasResetReload => RocmVersion >= new Version(7, 0) && RocmVersion < new Version(7, 12);

    [JsonIgnore]
    public bool AcceleratorPartitionKey => RocmVersion >= new Version(6, 4, 2);

    /// <summary><c>amd-smi list -e</c> exists from ROCm 6.4.</summary>
    [JsonIgnore]
    public bool HasEnumeration => RocmVersion >= new Version(6, 4);

    [JsonIgnore]
    public bool IsGuest => Platform.Contains("Guest", StringComparison.OrdinalIgnoreCase);

    /// <summary>The VRAM a logical GPU reports, in MB, in the configured reporting style.</summary>
    public long ReportedVramMb(FakeGpu device, int xcp)
    {
        var whole = FakeFamily.VramMb(device.Family);
        var share = whole / FakeFamily.Partitions(device.Compute);
        return MemoryReporting switch
        {
            "shares" => share,
            "whole" => whole,
            _ => xcp == 0 ? whole : share,
        };
    }

    public int RenderMinor(int logicalId) =>
        RenderMinors is { } minors && logicalId < minors.Count ? minors[logicalId] : 128 + logicalId;

    /// <summary>The logical GPUs amd-smi lists: one per compute partition, numbered across the node.</summary>
    public IEnumerable<(int Id, int Gpu, int Xcp, FakeGpu Device)> LogicalDevices()
    {
        var id = 0;
        for (var gpu = 0; gpu < Gpus.Count; gpu++)
        {
            var count = FakeFamily.Partitions(Gpus[gpu].Compute);
            for (var xcp = 0; xcp < count; xcp++)
            {
                yield return (id++, gpu, xcp, Gpus[gpu]);
            }
        }
    }
}
