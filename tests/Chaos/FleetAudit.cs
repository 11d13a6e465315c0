using System.Text.Json.Nodes;

namespace GpuSharing.Chaos;

/// <summary>
/// Reads every deployment and every node through the API and checks the guarantees: no partition over-committed (bytes
/// or an exclusive holder sharing), no reservation that its deployment does not name, no placement without its
/// reservation, every node reachable with its GPUs Ready, and nothing the ledger was promised lost.
/// </summary>
public static class FleetAudit
{
    public static async Task<AuditResult> AuditAsync(HttpClient http, Ledger ledger, CancellationToken cancellationToken)
    {
        var models = JsonNode.Parse(await GetAsync(http, "/api/v1/models", cancellationToken))!.AsArray().Select(m => m!).ToList();
        var nodes = JsonNode.Parse(await GetAsync(http, "/api/v1/nodes", cancellationToken))!.AsArray().Select(n => n!).ToList();

        var notReady = new List<string>();
        var overCommitted = new List<string>();
        var held = new HashSet<(string Deployment, string Node, int Gpu, int Partition)>();
        var reservations = 0;
        foreach (var node in nodes)
        {
            var name = Text(node, "name");
            if (node["reachable"]?.GetValue<bool>() != true)
            {
                notReady.Add($"node {name} unreachable");
            }

            foreach (var gpu in node["gpus"]!.AsArray().Select(g => g!))
            {
                var index = gpu["index"]!.GetValue<int>();
                if (Text(gpu, "state") != "Ready")
                {
                    notReady.Add($"GPU {name}/{index} {Text(gpu, "state")}: {Text(gpu, "stateReason")}");
                }

                foreach (var partition in gpu["partitions"]!.AsArray().Select(p => p!))
                {
                    var p = partition["index"]!.GetValue<int>();
                    var holders = partition["reservations"]!.AsArray().Select(r => r!).ToList();
                    var bytes = holders.Sum(r => r["bytes"]!.GetValue<long>());
                    var vram = partition["vramBytes"]!.GetValue<long>();
                    var deployments = holders.Select(r => Text(r, "deployment")).Distinct(StringComparer.Ordinal).ToList();
                    if (bytes > vram)
                    {
                        overCommitted.Add($"{name}/{index}/{p}: {bytes} bytes reserved of {vram} ({string.Join(", ", deployments)})");
                    }

                    if (deployments.Count > 1 && holders.Any(r => Text(r, "isolation") == "Exclusive"))
                    {
                        overCommitted.Add($"{name}/{index}/{p}: an exclusive holder shares with others ({string.Join(", ", deployments)})");
                    }

                    foreach (var deployment in deployments)
                    {
                        held.Add((deployment, name, index, p));
                        reservations++;
                    }
                }
            }
        }

        var named = new HashSet<(string Deployment, string Node, int Gpu, int Partition)>();
        var unbacked = new List<string>();
        var placed = 0;
        var present = new Dictionary<string, JsonNode>(StringComparer.Ordinal);
        foreach (var model in models)
        {
            var key = $"{Text(model, "namespace")}/{Text(model, "name")}";
            present[key] = model;
            var status = Text(model, "status");
            if (status is "Placed" or "Running")
            {
                placed++;
            }

            foreach (var placement in model["placements"]!.AsArray().Select(p => p!))
            {
                var node = Text(placement, "node");
                var gpu = placement["gpu"]!.GetValue<int>();
                foreach (var partition in placement["partitions"]!.AsArray().Select(p => p!.GetValue<int>()))
                {
                    named.Add((key, node, gpu, partition));
                    if (!held.Contains((key, node, gpu, partition)))
                    {
                        unbacked.Add($"{key} ({status}) names {node}/{gpu}/{partition}, which holds no reservation of it");
                    }
                }
            }
        }

        var orphaned = held.Where(h => !named.Contains(h))
            .Select(h => present.ContainsKey(h.Deployment)
                ? $"{h.Node}/{h.Gpu}/{h.Partition} held by {h.Deployment}, whose placements do not name it"
                : $"{h.Node}/{h.Gpu}/{h.Partition} held by {h.Deployment}, which does not exist")
            .ToList();

        var lost = new List<string>();
        var uncertain = 0;
        foreach (var (deployment, entry) in ledger.Entries)
        {
            if (!entry.Certain)
            {
                uncertain++;
                continue;
            }

            var found = present.GetValueOrDefault(deployment);
            if (entry.Expected is null && found is not null)
            {
                lost.Add($"{deployment} was deleted (acknowledged) but exists");
            }
            else if (entry.Expected is { } promise && (found is null || Text(found["spec"]!, "model") != promise.Model || found["spec"]!["replicas"]!.GetValue<int>() != promise.Replicas))
            {
                lost.Add($"{deployment} was acknowledged as {promise.Model} × {promise.Replicas} but is {(found is null ? "missing" : $"{Text(found["spec"]!, "model")} × {found["spec"]!["replicas"]}")}");
            }
        }

        return new AuditResult(notReady, overCommitted, orphaned, unbacked, lost, models.Count, placed, reservations, uncertain);
    }

    private static async Task<string> GetAsync(HttpClient http, string path, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(path, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        return response.IsSuccessStatusCode ? body : throw new HttpRequestException($"GET {path} → {(int)response.StatusCode}: {body}", null, response.StatusCode);
    }

    private static string Text(JsonNode node, string property) => node[property]?.GetValue<string>() ?? string.Empty;
}
