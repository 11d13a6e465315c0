using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace GpuSharing.Fakes.AmdSmi;

/// <summary>The commands of the fake amd-smi. Output formats follow the captures in ../shared/fixtures/amd-smi.</summary>
internal sealed class FakeTool(FakeStore store, TextWriter stdout, TextWriter stderr, TextReader stdin)
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
            var used = State.Processes.Where(p => p.Gpu == gpu).Sum(p => p.VramBytes) >> 20;
            items.Add(new JsonObject
            {
                ["gpu"] = id,
                ["usage"] = new JsonObject { ["gfx_activity"] = Quantity(0, "%"), ["umc_activity"] = Quantity(0, "%"), ["mm_activity"] = "N/A" },
                ["power"] = new JsonObject { ["socket_power"] = xcp == 0 ? Quantity(140, "W") : "N/A", ["power_management"] = "ENABLED" },
                ["temperature"] = new JsonObject { ["edge"] = "N/A", ["hotspot"] = Quantity(40, "C"), ["mem"] = Quantity(35, "C") },
                ["mem_usage"] = new JsonObject
                {
                    ["total_vram"] = Quantity(total, "MB"),
                    ["used_vram"] = Quantity(xcp == 0 ? used : 0, "MB"),
                    ["free_vram"] = Quantity(total - (xcp == 0 ? used : 0), "MB"),
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
            foreach (var process in State.Processes.Where(p => p.Gpu == gpu && xcp == 0))
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

    private int Partition(string[] args)
    {
        if (Has(args, "--json"))
        {
            if (State.RocmVersion < new Version(7, 0))
            {
                // ROCm 6.3/6.4 printed one JSON document per section, back to back: not valid JSON.
                stdout.WriteLine(new JsonObject { ["current_partition"] = CurrentRows() }.ToJsonString(FakeState.Json));
                stdout.WriteLine(new JsonObject { ["memory_partition"] = MemoryRows() }.ToJsonString(FakeState.Json));
                return 0;
            }

            stdout.WriteLine(new JsonObject
            {
                ["current_partition"] = CurrentRows(),
                ["memory_partition"] = MemoryRows(),
                ["partition_profiles"] = ProfileRows(),
                ["partition_resources"] = new JsonArray(new JsonObject { ["resource_index"] = 0, ["resource_type"] = "XCC", ["resource_instances"] = 8, ["resources_shared"] = 1 }),
            }.ToJsonString(FakeState.Json));
            return 0;
        }

        var text = new StringBuilder();
        text.AppendLine("CURRENT_PARTITION:");
        text.Append(FakeTable.Format(
            ["GPU_ID", "MEMORY", "ACCELERATOR_TYPE", "ACCELERATOR_PROFILE_INDEX", "PARTITION_ID"],
            State.LogicalDevices().Select(d => d.Xcp > 0 && State.SecondaryModesUnknown
                ? new[] { $"{d.Id}", "N/A", "N/A", "N/A", $"{d.Xcp}" }
                : new[] { $"{d.Id}", State.Memory, d.Device.Compute, $"{FakeFamily.ProfileIndex(d.Device.Family, d.Device.Compute)}", $"{d.Xcp}" })));
        text.AppendLine();
        text.AppendLine("MEMORY_PARTITION:");
        text.Append(FakeTable.Format(
            ["GPU_ID", "MEMORY_PARTITION_CAPS", "CURRENT_MEMORY_PARTITION"],
            State.LogicalDevices().Select(d => new[] { $"{d.Id}", string.Join(',', FakeFamily.MemoryCaps(d.Device.Family)), State.Memory })));
        text.AppendLine();
        text.AppendLine("ACCELERATOR_PARTITION_PROFILES:");
        string[] profileHeaders = ["GPU_ID", "PROFILE_INDEX", "MEMORY_PARTITION_CAPS", "ACCELERATOR_TYPE", "PARTITION_ID", "NUM_PARTITIONS", "NUM_RESOURCES", "RESOURCE_INDEX", "RESOURCE_TYPE", "RESOURCE_INSTANCES", "RESOURCES_SHARED"];
        if (!State.Root)
        {
            text.AppendLine();
            text.AppendLine("***************************************************************************");
            text.AppendLine("** WARNING:                                                              **");
            text.AppendLine("** ACCELERATOR_PARTITION_PROFILES requires sudo/root permissions to run. **");
            text.AppendLine("** Please run the command with sudo permissions to get accurate results. **");
            text.AppendLine("***************************************************************************");
            text.AppendLine();
            text.Append(FakeTable.Format(profileHeaders, State.Gpus.Select(_ => new[] { "N/A", "N/A", "N/A", "N/A", "0", "N/A", "N/A", "N/A", "N/A", "N/A", "N/A" })));
        }
        else
        {
            var rows = new List<string[]>();
            var id = 0;
            foreach (var gpu in State.Gpus)
            {
                var profiles = FakeFamily.Profiles(gpu.Family);
                for (var p = 0; p < profiles.Length; p++)
                {
                    var current = profiles[p].Type == gpu.Compute ? "*" : string.Empty;
                    rows.Add([p == 0 ? $"{id}" : string.Empty, $"{p}", profiles[p].Caps, profiles[p].Type + current, "0", $"{FakeFamily.Partitions(profiles[p].Type)}", "4", "0", "XCC", $"{8 / FakeFamily.Partitions(profiles[p].Type)}", "1"]);
                }

                id += FakeFamily.Partitions(gpu.Compute);
            }

            text.Append(FakeTable.Format(profileHeaders, rows));
        }

        text.AppendLine();
        text.AppendLine("Legend:");
        text.AppendLine("* = Current mode");
        stdout.Write(text.ToString());
        return 0;
    }

    private JsonArray CurrentRows() =>
        [.. State.LogicalDevices().Select(d => (JsonNode)new JsonObject
        {
            ["gpu_id"] = d.Id,
            ["memory"] = State.Memory,
            ["accelerator_type"] = d.Device.Compute,
            ["accelerator_profile_index"] = FakeFamily.ProfileIndex(d.Device.Family, d.Device.Compute),
            ["partition_id"] = $"{d.Xcp}",
        })];

    private JsonArray MemoryRows() =>
        [.. State.LogicalDevices().Select(d => (JsonNode)new JsonObject
        {
            ["gpu_id"] = d.Id,
            ["memory_partition_caps"] = string.Join(',', FakeFamily.MemoryCaps(d.Device.Family)),
            ["current_memory_partition"] = State.Memory,
        })];

    private JsonArray ProfileRows()
    {
        var rows = new JsonArray();
        var id = 0;
        foreach (var gpu in State.Gpus)
        {
            var profiles = FakeFamily.Profiles(gpu.Family);
            for (var p = 0; p < profiles.Length; p++)
            {
                var type = profiles[p].Type;
                rows.Add(new JsonObject
                {
                    ["gpu_id"] = !State.Root ? "N/A" : p == 0 ? id : string.Empty,
                    ["profile_index"] = State.Root ? p : "N/A",
                    ["memory_partition_caps"] = State.Root ? profiles[p].Caps : "N/A",
                    ["accelerator_type"] = State.Root ? type + (type == gpu.Compute ? "*" : string.Empty) : "N/A",
                    ["partition_id"] = "0",
                    ["num_partitions"] = State.Root ? FakeFamily.Partitions(type) : "N/A",
                    ["num_resources"] = 4,
                    ["resource_index"] = 0,
                    ["resource_type"] = "XCC",
                    ["resource_instances"] = 8 / FakeFamily.Partitions(type),
                    ["resources_shared"] = 1,
                });
                rows.Add(new JsonObject
                {
                    ["gpu_id"] = string.Empty,
                    ["profile_index"] = string.Empty,
                    ["memory_partition_caps"] = string.Empty,
                    ["accelerator_type"] = string.Empty,
                    ["partition_id"] = string.Empty,
                    ["num_partitions"] = string.Empty,
                    ["num_resources"] = string.Empty,
                    ["resource_index"] = 1,
                    ["resource_type"] = "DECODER",
                    ["resource_instances"] = Math.Max(1, 4 / FakeFamily.Partitions(type)),
                    ["resources_shared"] = 1,
                });
            }

            id += FakeFamily.Partitions(gpu.Compute);
        }

        return rows;
    }

    private int SetCompute(string[] args)
    {
        var mode = (Value(args, "--compute-partition", "-C", "--accelerator-partition") ?? string.Empty).ToUpperInvariant();
        var selector = Value(args, "--gpu", "-g") ?? "all";
        if (!State.Root)
        {
            return Fail("NO_PERM", "set-compute", args);
        }

        if (FakeFamily.Partitions(mode) == 1 && mode != "SPX")
        {
            stderr.WriteLine($"amd-smi set: error: argument -C/--compute-partition: invalid choice: '{mode}' (choose from 'SPX', 'DPX', 'QPX', 'CPX')");
            return 2;
        }

        var targets = Targets(selector);
        if (targets.Count == 0)
        {
            stderr.WriteLine($"amd-smi set: error: argument -g/--gpu: invalid choice: {selector}");
            return 2;
        }

        var output = new StringBuilder();
        foreach (var (id, gpu) in targets)
        {
            var device = State.Gpus[gpu];
            if (State.IsGuest)
            {
                output.AppendLine($"GPU: {id}").AppendLine($"    ACCELERATOR_PARTITION: [AMDSMI_STATUS_NOT_SUPPORTED] Unable to set accelerator partition to {mode}");
                continue;
            }

            if (State.Processes.Any(p => p.Gpu == gpu))
            {
                stdout.Write(output.ToString());
                return Fail("BUSY", "set-compute", args, mode, id, device.Bdf(0));
            }

            if (!FakeFamily.IsValid(device.Family, mode, State.Memory))
            {
                stdout.Write(output.ToString());
                return Fail("SETTING_UNAVAILABLE", "set-compute", args, mode, id, device.Bdf(0));
            }

            device.Compute = mode;
            output.AppendLine($"GPU: {id}").AppendLine($"    ACCELERATOR_PARTITION: Successfully set accelerator partition to {mode} (profile #{FakeFamily.ProfileIndex(device.Family, mode)})").AppendLine();
        }

        store.Save();
        stdout.Write(output.ToString());
        return 0;
    }

    private int SetMemory(string[] args)
    {
        var mode = (Value(args, "--memory-partition", "-M") ?? string.Empty).ToUpperInvariant();
        if (!State.Root)
        {
            return Fail("NO_PERM", "set-memory", args);
        }

        stdout.WriteLine(State.SeparateReload
            ? """

                            ******WARNING******

                            After changing memory (NPS) partition modes, users MUST restart
                            (reload) the AMD GPU driver. This command NO LONGER AUTOMATICALLY
                            reloads the driver, see `amd-smi reset -h` and
                            `sudo amd-smi reset -r` for more information.

                            ******REMINDER******
                            In order to reload the AMD GPU driver, users MUST quit all GPU
                            workloads across all devices.

              """
            : """
              ****** WARNING ******

              Setting Dynamic Memory (NPS) partition modes require users to quit all GPU workloads.
              AMD SMI will then attempt to change memory (NPS) partition mode.
              Upon a successful set, AMD SMI will then initiate an action to restart AMD GPU driver.
              This action will change all GPU's in the hive to the requested memory (NPS) partition mode.

              Please use this utility with caution.

              """);
        stdout.Write("Do you accept these terms? [Y/N] ");
        stdout.Flush();
        var answer = stdin.ReadLine()?.Trim();
        if (!string.Equals(answer, "Y", StringComparison.OrdinalIgnoreCase))
        {
            stdout.WriteLine();
            stdout.WriteLine("Confirmation not given. Exiting without setting memory partition.");
            return Failure;
        }

        stdout.WriteLine(answer);
        stdout.WriteLine();
        if (State.Processes.Count > 0)
        {
            return Fail("BUSY", "set-memory", args);
        }

        var output = new StringBuilder();
        var ok = true;
        for (var gpu = 0; gpu < State.Gpus.Count; gpu++)
        {
            output.AppendLine($"GPU: {gpu}");
            if (State.IsGuest || !FakeFamily.MemoryCaps(State.Gpus[gpu].Family).Contains(mode))
            {
                output.AppendLine($"    MEMORY_PARTITION: [AMDSMI_STATUS_NOT_SUPPORTED] Unable to set memory partition to {mode}").AppendLine();
                ok = false;
                continue;
            }

            output.AppendLine($"    MEMORY_PARTITION: Successfully set memory partition to {mode}").AppendLine();
        }

        if (ok)
        {
            if (State.SeparateReload)
            {
                State.PendingMemory = mode;
            }
            else
            {
                ApplyMemory(mode);
            }

            store.Save();
        }

        stdout.Write(output.ToString());
        return 0;
    }

    private int Reload()
    {
        stdout.Write("Do you accept these terms? [Y/N] ");
        if (!string.Equals(stdin.ReadLine()?.Trim(), "Y", StringComparison.OrdinalIgnoreCase))
        {
            stdout.WriteLine("Confirmation not given. Exiting without reloading the driver.");
            return Failure;
        }

        if (!State.Root)
        {
            return Fail("NO_PERM", "reset", ["reset", "-r"]);
        }

        if (State.Processes.Count > 0)
        {
            return Fail("AMDGPU_RESTART_ERR", "reset", ["reset", "-r"]);
        }

        if (State.PendingMemory is { } pending)
        {
            ApplyMemory(pending);
            State.PendingMemory = null;
        }

        store.Save();
        stdout.WriteLine();
        stdout.WriteLine("RESET: Successfully reloaded the AMD GPU driver");
        return 0;
    }

    private void ApplyMemory(string mode)
    {
        State.Memory = mode;
        foreach (var gpu in State.Gpus)
        {
            gpu.Compute = FakeFamily.AfterMemoryChange(gpu.Family, gpu.Compute, mode);
        }
    }

    // --gpu takes a logical id, a BDF or "all"; a set applies to the physical GPU.
    private List<(int Id, int Gpu)> Targets(string selector)
    {
        var primaries = State.LogicalDevices().Where(d => d.Xcp == 0).Select(d => (d.Id, d.Gpu)).ToList();
        if (selector == "all")
        {
            return primaries;
        }

        var match = State.LogicalDevices().FirstOrDefault(d => d.Device.Bdf(d.Xcp) == selector || $"{d.Id}" == selector);
        return match.Device is null ? [] : [(match.Id, match.Gpu)];
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
