using System.Text;
using System.Text.Json.Nodes;

namespace GpuSharing.Fakes.AmdSmi;

/// <summary><c>amd-smi partition</c>: current, memory and profile tables in the formats of each ROCm version.</summary>
internal sealed partial class FakeTool
{
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
}
