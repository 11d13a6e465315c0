using System.Text.Json;
using System.Text.Json.Serialization;

namespace GpuSharing.Fakes.AmdSmi;

/// <summary>The fake device: ROCm version it behaves like, platform, modes, processes and queued faults.</summary>
internal sealed class FakeState
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string Rocm { get; set; } = "7.0.0";

    public string Tool { get; set; } = "26.0.0+fake";

    public string Platform { get; set; } = "Linux Baremetal";

    /// <summary>Whether amd-smi runs as root: without it, sets fail with NO_PERM and profiles are withheld.</summary>
    public bool Root { get; set; } = true;

    public string Memory { get; set; } = "NPS1";

    public string? PendingMemory { get; set; }

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

    [JsonIgnore]
    public bool IsGuest => Platform.Contains("Guest", StringComparison.OrdinalIgnoreCase);

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
