using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace GpuSharing.Fakes.AmdSmi;

/// <summary>The commands of the fake amd-smi. Output formats follow the captures in ../shared/fixtures/amd-smi.</summary>
internal sealed partial class FakeTool(FakeStore store, TextWriter stdout, TextWriter stderr, TextReader stdin)
{
    private const int Failure = 1;

    private FakeState State => store.State;

    public int Run(string[] args)
    {
        var command = args.Length == 0 ? "default" : args[0] switch
        {
            "set" when Has(args, "--memory-partition", "-M") => "set-memory",
            "set" when Has(args, "--compute-partition", "-C", "--accelerator-partition") => "set-compute",
            var other => other,
        };

        var fault = TakeFault(command);
        if (fault is { HangSeconds: > 0 })
        {
            Thread.Sleep(TimeSpan.FromSeconds(fault.HangSeconds));
        }

        if (fault?.Status is { } status && !fault.ApplyFirst)
        {
            return Fail(status, command, args);
        }

        var exit = command switch
        {
            "default" => DefaultView(),
            "version" => Version(),
            "list" => List(args),
            "static" => Static(),
            "metric" => Metric(),
            "partition" => Partition(args),
            "process" => Process(),
            "set-compute" => SetCompute(args),
            "set-memory" => SetMemory(args),
            "reset" when Has(args, "--reload-driver", "-r") && State.HasResetReload => Reload(),
            _ => Usage(args),
        };

        return fault?.Status is { } after && exit == 0 ? Fail(after, command, args) : exit;
    }

    private static bool Has(string[] args, params string[] names) => args.Any(names.Contains);

    private static string? Value(string[] args, params string[] names)
    {
        var at = Array.FindIndex(args, names.Contains);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }

    private static JsonObject Quantity(double value, string unit) => new() { ["value"] = value, ["unit"] = unit };

    private FakeFault? TakeFault(string command)
    {
        var fault = State.Faults.FirstOrDefault(f => f.Command == command && f.Times > 0);
        if (fault is not null)
        {
            fault.Times--;
            State.Faults.RemoveAll(f => f.Times <= 0);
            store.Save();
        }

        return fault;
    }

    private int Version()
    {
        var library = State.Tool.Split('+')[0];
        stdout.WriteLine($"AMDSMI Tool: {State.Tool} | AMDSMI Library version: {library} | ROCm version: {State.Rocm}");
        return 0;
    }

    private int DefaultView()
    {
        if (State.RocmVersion < new Version(7, 0))
        {
            return Usage(["(no command)"]);
        }

        var text = new StringBuilder();
        text.AppendLine("+------------------------------------------------------------------------------+");
        text.AppendLine($"| AMD-SMI {State.Tool,-20} amdgpu version: 6.12.12  ROCm version: {State.Rocm,-6}|");
        text.AppendLine($"| Platform: {State.Platform,-67}|");
        text.AppendLine("|-------------------------------------+----------------------------------------|");
        text.AppendLine("| BDF                        GPU-Name | Mem-Uti   Temp   UEC       Power-Usage |");
        text.AppendLine("| GPU  HIP-ID  OAM-ID  Partition-Mode | GFX-Uti    Fan               Mem-Usage |");
        text.AppendLine("|=====================================+========================================|");
        foreach (var (id, gpu, xcp, device) in State.LogicalDevices())
        {
            var total = State.ReportedVramMb(device, xcp);
            text.AppendLine($"| {device.Bdf(xcp)}    AMD Instinct {device.Family} | 0 %      40 °C   0           100/750 W |");
            text.AppendLine($"| {id,3}     {id,3}     {gpu,3}        {device.Compute}/{State.Memory} | 0 %        N/A          {$"0/{total} MB",14} |");
            text.AppendLine("|-------------------------------------+----------------------------------------|");
        }

        text.AppendLine("+------------------------------------------------------------------------------+");
        text.AppendLine("| Processes:                                                                   |");
        text.AppendLine("|  GPU        PID  Process Name          GTT_MEM  VRAM_MEM  MEM_USAGE     CU % |");
        text.AppendLine("|==============================================================================|");
        if (State.Processes.Count == 0)
        {
            text.AppendLine("|  No running processes found                                                  |");
        }

        foreach (var process in State.Processes)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {process.Gpu,4} {process.Pid,10}  {process.Name,-20} 0.0 MB {process.VramBytes / (double)(1L << 30),7:0.0} GB     0.0 GB    0.0 % |");
        }

        text.AppendLine("+------------------------------------------------------------------------------+");
        stdout.Write(text.ToString());
        return 0;
    }

    private int List(string[] args)
    {
        var enumeration = Has(args, "-e", "--enumeration");
        if (enumeration && !State.HasEnumeration)
        {
            return Usage(args); // list -e arrived with ROCm 6.4
        }

        var items = new JsonArray();
        foreach (var (id, gpu, xcp, device) in State.LogicalDevices())
        {
            var uuid = State.RocmVersion >= new Version(7, 0) ? $"{gpu:x2}ff74a1-0000-1000-80{xcp:x2}-0000000000{gpu:x2}" : $"{gpu:x2}ff74a1-0000-1000-8000-0000000000{gpu:x2}";
            var item = new JsonObject
            {
                ["gpu"] = id,
                ["bdf"] = device.Bdf(xcp),
                ["uuid"] = uuid,
                ["kfd_id"] = 18421 + (id * 17),
                ["node_id"] = id + 2,
                ["partition_id"] = xcp,
            };
            if (enumeration)
            {
                item["render"] = $"renderD{State.RenderMinor(id)}";
                item["card"] = $"card{State.RenderMinor(id) - 127}";
                item["hsa_id"] = id + 2;
                item["hip_id"] = id;
                item["hip_uuid"] = $"GPU-{uuid[..16]}";
            }

            items.Add(item);
        }

        stdout.WriteLine(items.ToJsonString(FakeState.Json));
        return 0;
    }

    private int Static()
    {
        var compute = State.AcceleratorPartitionKey ? "accelerator_partition" : "compute_partition";
        var items = new JsonArray();
        foreach (var (id, _, xcp, device) in State.LogicalDevices())
        {
            var partitions = FakeFamily.Partitions(device.Compute);
            items.Add(new JsonObject
            {
                ["gpu"] = id,
                ["asic"] = new JsonObject
                {
                    ["market_name"] = $"AMD Instinct {device.Family}",
                    ["vendor_id"] = "0x1002",
                    ["vendor_name"] = "Advanced Micro Devices Inc. [AMD/ATI]",
                    ["device_id"] = FakeFamily.DeviceId(device.Family),
                    ["num_compute_units"] = FakeFamily.ComputeUnits(device.Family) / partitions,
                    ["target_graphics_version"] = FakeFamily.Gfx(device.Family),
                },
                ["bus"] = new JsonObject { ["bdf"] = device.Bdf(xcp) },
                ["vram"] = new JsonObject
                {
                    ["type"] = "HBM3",
                    ["vendor"] = "N/A",
                    ["size"] = Quantity(State.ReportedVramMb(device, xcp), "MB"),
                },
                ["partition"] = new JsonObject
                {
                    [compute] = xcp > 0 && State.SecondaryModesUnknown ? "N/A" : device.Compute,
                    ["memory_partition"] = xcp > 0 && State.SecondaryModesUnknown ? "N/A" : State.Memory,
                    ["partition_id"] = xcp,
                },
            });
        }

        stdout.WriteLine(Envelope(items));
        return 0;
    }

    private int Metric()
    {
        var items = new JsonArray();
        foreach (var (id, gpu, xcp, device) in State.LogicalDevices())
        {
            var total = State.ReportedVramMb(device, xcp);
            var used = State.Processes.Where(p => p.Gpu == gpu && p.Partition == xcp).Sum(p => p.VramBytes) >> 20;
            items.Add(new JsonObject
            {
                ["gpu"] = id,
                ["usage"] = new JsonObject { ["gfx_activity"] = Quantity(0, "%"), ["umc_activity"] = Quantity(0, "%"), ["mm_activity"] = "N/A" },
                ["power"] = new JsonObject { ["socket_power"] = xcp == 0 ? Quantity(140, "W") : "N/A", ["power_management"] = "ENABLED" },
                ["temperature"] = new JsonObject { ["edge"] = "N/A", ["hotspot"] = Quantity(40, "C"), ["mem"] = Quantity(35, "C") },
                ["mem_usage"] = new JsonObject
                {
                    ["total_vram"] = Quantity(total, "MB"),
                    ["used_vram"] = Quantity(used, "MB"),
                    ["free_vram"] = Quantity(total - used, "MB"),
                },
            });
        }

        stdout.WriteLine(Envelope(items));
        return 0;
    }

    private int Process()
    {
        var items = new JsonArray();
        foreach (var (id, gpu, xcp, _) in State.LogicalDevices())
        {
            var list = new JsonArray();
            foreach (var process in State.Processes.Where(p => p.Gpu == gpu && p.Partition == xcp))
            {
                list.Add(new JsonObject
                {
                    ["process_info"] = new JsonObject
                    {
                        ["name"] = State.Root ? process.Name : "N/A",
                        ["pid"] = process.Pid,
                        ["memory_usage"] = new JsonObject
                        {
                            ["gtt_mem"] = Quantity(0, "B"),
                            ["cpu_mem"] = Quantity(0, "B"),
                            ["vram_mem"] = Quantity(process.VramBytes, "B"),
                        },
                        ["mem_usage"] = Quantity(process.VramBytes, "B"),
                    },
                });
            }

            if (list.Count == 0)
            {
                list.Add(new JsonObject { ["process_info"] = "No running processes detected" });
            }

            items.Add(new JsonObject { ["gpu"] = id, ["process_list"] = list });
        }

        stdout.WriteLine(items.ToJsonString(FakeState.Json));
        return 0;
    }

    private string Envelope(JsonArray items) =>
        State.GpuDataEnvelope ? new JsonObject { ["gpu_data"] = items }.ToJsonString(FakeState.Json) : items.ToJsonString(FakeState.Json);

    private int Usage(string[] args)
    {
        stderr.WriteLine("usage: amd-smi [-h] {version,list,static,firmware,bad-pages,metric,process,event,topology,set,reset,monitor,xgmi,partition} ...");
        stderr.WriteLine($"amd-smi: error: argument command: invalid choice: '{string.Join(' ', args)}'");
        return 2;
    }

    private int Fail(string status, string command, string[] args, string? mode = null, int gpu = 0, string? bdf = null)
    {
        mode ??= Value(args, "--compute-partition", "-C", "--memory-partition", "-M") ?? "SPX";
        bdf ??= State.Gpus.Count > 0 ? State.Gpus[0].Bdf(0) : "0000:0c:00.0";
        var setting = command == "set-memory" ? "memory partition" : "accelerator partition";
        var text = status switch
        {
            "GARBAGE" => "{\"gpu_data\": [ {\"gpu\": 0, \"asic\": ",
            "NO_PERM" => "amdsmi.amdsmi_exception.AmdSmiLibraryException: Error code:\n10 | AMDSMI_STATUS_NO_PERM - Permission Denied\n\nThe above exception was the direct cause of the following exception:\n\nPermissionError: Command requires elevation",
            "SETTING_UNAVAILABLE" => $"Attempted to set accelerator partition to {mode} (profile #{FakeFamily.ProfileIndex(State.Gpus[0].Family, mode)} on GPU ID: {gpu} BDF:{bdf}\n\n[AMDSMI_STATUS_SETTING_UNAVAILABLE] Please check amd-smi partition --memory --accelerator for available profiles.\nUsers may need to switch memory partition to another mode in order to enable the desired accelerator partition.\n\namdsmi.amdsmi_exception.AmdSmiLibraryException: Error code:\n        55 | AMDSMI_STATUS_SETTING_UNAVAILABLE - Setting is not available\n\nThe above exception was the direct cause of the following exception:\n\nValueError: [AMDSMI_STATUS_SETTING_UNAVAILABLE] Unable to set accelerator partition to {mode} on GPU ID: {gpu} BDF:{bdf}",
            "NOT_SUPPORTED" => $"GPU: {gpu}\n    {(command == "set-memory" ? "MEMORY_PARTITION" : "ACCELERATOR_PARTITION")}: [AMDSMI_STATUS_NOT_SUPPORTED] Unable to set {setting} to {mode}",
            "AMDGPU_RESTART_ERR" => "amdsmi.amdsmi_exception.AmdSmiLibraryException: Error code:\n        54 | AMDSMI_STATUS_AMDGPU_RESTART_ERR - AMDGPU restart failed\n\nThe above exception was the direct cause of the following exception:\n\nValueError: Unable to reload the AMD GPU driver",
            _ => $"amdsmi.amdsmi_exception.AmdSmiLibraryException: Error code:\n        30 | AMDSMI_STATUS_{status} - Device busy\n\nThe above exception was the direct cause of the following exception:\n\nValueError: Unable to set {setting} to {mode} on GPU ID: {gpu} BDF:{bdf}",
        };
        if (status == "GARBAGE")
        {
            stdout.WriteLine(text);
            return 0;
        }

        stderr.WriteLine(text);
        return Failure;
    }
}
