using System.Text.Json;
using System.Text.Json.Nodes;

namespace GpuSharing.TestSupport;

/// <summary>
/// A state file for the FAKE amd-smi executable (tests/Fakes/FakeAmdSmi) and the path to that executable. The fake
/// prints real amd-smi formats; it is not real hardware and tests say which results come from it.
/// </summary>
public sealed class FakeAmdSmiDevice : IDisposable
{
    private readonly string _directory;

    public FakeAmdSmiDevice(string rocm = "7.0.0", string gpus = "MI300X:2", bool root = true, string platform = "Linux Baremetal")
    {
        _directory = Directory.CreateTempSubdirectory("fake-amd-smi-").FullName;
        StatePath = Path.Combine(_directory, "state.json");
        var devices = new JsonArray();
        var bus = 0x0c;
        foreach (var item in gpus.Split(','))
        {
            var parts = item.Split(':');
            for (var i = 0; i < (parts.Length > 1 ? int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) : 1); i++)
            {
                devices.Add(new JsonObject { ["family"] = parts[0], ["compute"] = "SPX", ["bus"] = bus.ToString("x2", System.Globalization.CultureInfo.InvariantCulture) });
                bus += 0x16;
            }
        }

        var tool = Version.Parse(rocm) switch
        {
            { Major: 7, Minor: >= 14 } => "27.0.0+fake",
            { Major: 7 } => "26.0.0+fake",
            { Major: 6, Minor: 4 } => "25.3.0+fake",
            _ => "24.7.1+fake",
        };
        Write(new JsonObject
        {
            ["rocm"] = rocm,
            ["tool"] = tool,
            ["platform"] = platform,
            ["root"] = root,
            ["memory"] = "NPS1",
            ["gpus"] = devices,
            ["processes"] = new JsonArray(),
            ["faults"] = new JsonArray(),
        });
    }

    /// <summary>The built fake executable, named <c>amd-smi</c>, of the same build configuration as the tests.</summary>
    public static string ExecutablePath
    {
        get
        {
            var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent?.Name ?? "Debug";
            var path = Path.Combine(Fixtures.RepositoryRoot, "tests", "Fakes", "FakeAmdSmi", "bin", configuration, "net10.0", "amd-smi");
            return File.Exists(path) ? path : throw new FileNotFoundException($"Build tests/Fakes/FakeAmdSmi first: {path} is missing.");
        }
    }

    public string StatePath { get; }

    public IReadOnlyList<string> Invocations =>
        File.Exists(StatePath + ".log") ? File.ReadAllLines(StatePath + ".log") : [];

    public JsonObject Read() => JsonNode.Parse(File.ReadAllText(StatePath))!.AsObject();

    public string Memory => Read()["memory"]!.GetValue<string>();

    public string Compute(int gpu) => Read()["gpus"]![gpu]!["compute"]!.GetValue<string>();

    public void Update(Action<JsonObject> change)
    {
        var state = Read();
        change(state);
        Write(state);
    }

    public void AddFault(string command, string? status = null, int hangSeconds = 0, int times = 1, bool applyFirst = false) =>
        Update(s => s["faults"]!.AsArray().Add(new JsonObject
        {
            ["command"] = command,
            ["status"] = status,
            ["hangSeconds"] = hangSeconds,
            ["times"] = times,
            ["applyFirst"] = applyFirst,
        }));

    /// <summary>A process on <paramref name="gpu"/>'s partition <paramref name="partition"/> (the logical device amd-smi lists it under), holding <paramref name="vramBytes"/>.</summary>
    public void AddProcess(int gpu, int pid, string name = "vllm", long vramBytes = 1L << 30, int partition = 0) =>
        Update(s => s["processes"]!.AsArray().Add(new JsonObject { ["gpu"] = gpu, ["partition"] = partition, ["pid"] = pid, ["name"] = name, ["vramBytes"] = vramBytes }));

    public void Set(string property, JsonNode? value) => Update(s => s[property] = value);

    /// <summary>Puts the device in a layout directly (as if set earlier): the node's memory mode and each GPU's compute mode.</summary>
    public void SetLayout(string memory, params string[] computePerGpu) => Update(s =>
    {
        s["memory"] = memory;
        var gpus = s["gpus"]!.AsArray();
        for (var i = 0; i < computePerGpu.Length && i < gpus.Count; i++)
        {
            gpus[i]!["compute"] = computePerGpu[i];
        }
    });

    /// <summary>How partitions report VRAM: <c>primary-whole</c> (default), <c>shares</c> or <c>whole</c> (see the fake's state).</summary>
    public void SetMemoryReporting(string style) => Set("memoryReporting", style);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A killed fake may still hold its lock file for a moment.
        }
    }

    private void Write(JsonObject state) =>
        File.WriteAllText(StatePath, state.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
}
