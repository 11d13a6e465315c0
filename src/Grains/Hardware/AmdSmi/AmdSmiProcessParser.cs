using System.Text.Json;

namespace GpuSharing.Grains.Hardware.AmdSmi;

/// <summary>
/// <c>amd-smi process</c> in text or JSON. An idle GPU says <c>No running processes detected</c> (older: N/A)
/// where the process would be.
/// </summary>
public static class AmdSmiProcessParser
{
    public static IReadOnlyList<AmdSmiProcess> ParseText(string text)
    {
        var processes = new List<AmdSmiProcess>();
        foreach (var device in AmdSmiText.ParseDevices(text).Where(d => d.Kind == "GPU"))
        {
            foreach (var info in device.Root.Children.Where(c => c.Key.Equals("PROCESS_INFO", StringComparison.OrdinalIgnoreCase)))
            {
                if (AmdSmiQuantity.ParseInt(info.ValueAt("PID")) is not { } pid)
                {
                    continue;
                }

                processes.Add(new AmdSmiProcess(
                    device.Index,
                    pid,
                    info.ValueAt("NAME"),
                    AmdSmiQuantity.ParseBytes(info.ValueAt("MEMORY_USAGE", "VRAM_MEM")),
                    AmdSmiQuantity.ParseBytes(info.ValueAt("MEMORY_USAGE", "GTT_MEM")),
                    AmdSmiQuantity.ParseBytes(info.ValueAt("MEMORY_USAGE", "CPU_MEM")),
                    AmdSmiQuantity.ParseBytes(info.ValueAt("MEM_USAGE") ?? info.ValueAt("MEM")),
                    AmdSmiQuantity.ParseInt(info.ValueAt("CU_OCCUPANCY"))));
            }
        }

        return processes;
    }

    public static IReadOnlyList<AmdSmiProcess> ParseJson(string text)
    {
        const string Command = "process --json";
        using var document = AmdSmiJson.ParseDocument(text, Command);
        var processes = new List<AmdSmiProcess>();
        foreach (var gpuEntry in AmdSmiJson.GpuEntries(document.RootElement, Command))
        {
            var gpu = AmdSmiJson.Integer(gpuEntry, "gpu") ?? throw AmdSmiJson.Unparsable(Command, "an entry has no gpu index");
            foreach (var item in AmdSmiJson.Array(gpuEntry, "process_list"))
            {
                if (AmdSmiJson.Property(item, "process_info") is not { ValueKind: JsonValueKind.Object } info
                    || AmdSmiJson.Integer(info, "pid") is not { } pid)
                {
                    continue; // "No running processes detected" / "N/A"
                }

                processes.Add(new AmdSmiProcess(
                    gpu,
                    pid,
                    AmdSmiJson.Text(info, "name"),
                    AmdSmiJson.Bytes(info, "B", "memory_usage", "vram_mem"),
                    AmdSmiJson.Bytes(info, "B", "memory_usage", "gtt_mem"),
                    AmdSmiJson.Bytes(info, "B", "memory_usage", "cpu_mem"),
                    AmdSmiJson.Bytes(info, "B", "mem_usage"),
                    AmdSmiJson.Integer(info, "cu_occupancy")));
            }
        }

        return processes;
    }
}
