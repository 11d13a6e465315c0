using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using GpuSharing.Grains.Interfaces.Slo;

namespace GpuSharing.Gateway.Tests;

/// <summary>
/// <c>/metrics</c> on the silo and on the gateway, in the Prometheus text format: the partitions and GPUs with the
/// values the API reports, a deployment's replicas once placed, and the request path's counters and histograms.
/// </summary>
[Collection(ProcessWideMetersCollection.Name)]
public sealed class MetricsTests(GatewayHostFixture fixture) : IClassFixture<GatewayHostFixture>
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_silo_exports_every_partition_and_a_placed_deployment_with_the_values_the_API_reports()
    {
        var put = await fixture.Http.PutAsJsonAsync("/api/v1/models/metrics/qwen", new { model = "qwen2.5-0.5b", priority = "low" }, Cancellation);
        put.EnsureSuccessStatusCode();
        using var silo = new HttpClient { BaseAddress = fixture.SiloHttp };

        var page = await Eventually.UntilAsync(
            async ct => await silo.GetStringAsync("/metrics", ct),
            text => Value(text, "aim_deployment_replicas", ("namespace", "metrics"), ("name", "qwen"), ("state", "placed")) == 1
                && Values(text, "aim_gpu_partition_memory_allocated_bytes").Sum() == Values(text, "aim_deployment_reserved_memory_bytes").Sum(), // nodes and deployments are read one after the other
            TimeSpan.FromSeconds(60),
            text => $"the silo never exported the placed replica:\n{string.Join('\n', (text ?? string.Empty).Split('\n').Where(l => l.StartsWith("aim_deployment", StringComparison.Ordinal) || l.StartsWith("aim_gpu_partition_memory_allocated", StringComparison.Ordinal)))}",
            cancellationToken: Cancellation);
        var gpus = JsonNode.Parse(await fixture.Http.GetStringAsync("/api/v1/gpus", Cancellation))!.AsArray();

        foreach (var gpu in gpus)
        {
            var (node, index) = (gpu!["node"]!.GetValue<string>(), gpu["index"]!.GetValue<int>().ToString(CultureInfo.InvariantCulture));
            Assert.Equal(gpu["vramBytes"]!.GetValue<long>(), Value(page, "aim_gpu_total_memory_bytes", ("node", node), ("gpu", index)));
            Assert.Equal(1, Value(page, "aim_gpu_state", ("node", node), ("gpu", index), ("state", gpu["state"]!.GetValue<string>())));
            Assert.Equal(gpu["partitions"]!.AsArray().Count, Value(page, "aim_gpu_partition_count", ("node", node), ("gpu", index), ("compute_mode", gpu["computeMode"]!.GetValue<string>())));
            foreach (var partition in gpu["partitions"]!.AsArray())
            {
                var at = partition!["index"]!.GetValue<int>().ToString(CultureInfo.InvariantCulture);
                Assert.Equal(partition["vramBytes"]!.GetValue<long>(), Value(page, "aim_gpu_partition_memory_bytes", ("node", node), ("gpu", index), ("partition", at)));
                Assert.Equal(partition["computeUnits"]!.GetValue<int>(), Value(page, "aim_gpu_partition_compute_units", ("node", node), ("gpu", index), ("partition", at)));
            }
        }

        // The reservation the API shows is the one exported (the page is one sample, taken after the placement; other tests of this class may have placed theirs before).
        var reserved = gpus.SelectMany(g => g!["partitions"]!.AsArray()).Sum(p => p!["reservedBytes"]!.GetValue<long>());
        Assert.True(reserved > 0);
        Assert.Equal(reserved, Values(page, "aim_gpu_partition_memory_allocated_bytes").Sum());
        var qwen = JsonNode.Parse(await fixture.Http.GetStringAsync("/api/v1/models/metrics/qwen", Cancellation))!;
        var qwenReserved = qwen["placements"]!.AsArray().Sum(p => p!["reservedBytes"]!.GetValue<long>());
        Assert.True(qwenReserved > 0);
        Assert.Equal(qwenReserved, Value(page, "aim_deployment_reserved_memory_bytes", ("namespace", "metrics"), ("name", "qwen"), ("priority", "low")));
    }

    [Fact]
    public async Task The_gateway_exports_requests_by_outcome_and_their_latencies()
    {
        await fixture.Http.PutAsJsonAsync("/api/v1/models/metrics/served", new { model = "qwen2.5-0.5b" }, Cancellation);
        await Eventually.UntilAsync(
            async ct => await fixture.Http.GetStringAsync("/v1/models", ct),
            models => models.Contains("\"metrics/served\"", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30),
            models => $"never routable: {models}",
            cancellationToken: Cancellation);
        for (var i = 0; i < 4; i++)
        {
            var chat = await fixture.Http.PostAsJsonAsync("/v1/chat/completions", new { model = "metrics/served", max_tokens = 2, messages = new[] { new { role = "user", content = "Hi" } } }, Cancellation);
            chat.EnsureSuccessStatusCode();
        }

        var page = await fixture.Http.GetStringAsync("/metrics", Cancellation);

        Assert.Equal(4, Value(page, "aim_model_requests_total", ("namespace", "metrics"), ("name", "served"), ("priority", "medium"), ("outcome", "served")));
        Assert.Equal(4, Value(page, "aim_model_time_to_first_token_seconds_count", ("namespace", "metrics"), ("name", "served")));
        Assert.Equal(4, Value(page, "aim_model_request_latency_seconds_bucket", ("namespace", "metrics"), ("name", "served"), ("le", "+Inf")));
        Assert.Equal(0, Value(page, "aim_model_requests_queued", ("namespace", "metrics"), ("name", "served"), ("priority", "high")));
        Assert.Contains("http_server_request_duration_seconds", page, StringComparison.Ordinal); // ASP.NET Core's own meters
    }

    [Fact]
    public async Task Every_dashboard_expression_names_metrics_the_running_system_exposes()
    {
        // A deployment with targets that has served requests: every family of series exists (SLO gauges need samples).
        await fixture.Http.PutAsJsonAsync("/api/v1/models/metrics/dashboard", new { model = "qwen2.5-0.5b", slo = new { ttftMs = 2000, target = 0.99 } }, Cancellation);
        await Eventually.UntilAsync(
            async ct => await fixture.Http.GetStringAsync("/v1/models", ct),
            models => models.Contains("\"metrics/dashboard\"", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30),
            models => $"never routable: {models}",
            cancellationToken: Cancellation);
        (await fixture.Http.PostAsJsonAsync("/v1/chat/completions", new { model = "metrics/dashboard", max_tokens = 2, messages = new[] { new { role = "user", content = "Hi" } } }, Cancellation)).EnsureSuccessStatusCode();
        using var silo = new HttpClient { BaseAddress = fixture.SiloHttp };
        var (siloPage, _) = await Eventually.UntilAsync(
            async ct => (Text: await silo.GetStringAsync("/metrics", ct), Slo: await fixture.Grains.GetGrain<ISloGrain>("metrics/dashboard").GetAsync(ct)),
            read => Value(read.Text, "aim_slo_burn_rate", ("namespace", "metrics"), ("name", "dashboard"), ("window", "5m")) is not null,
            TimeSpan.FromSeconds(60),
            read => $"the SLO of metrics/dashboard never reached the silo's metrics (the grain says {read.Slo?.Burn}: {string.Join(", ", read.Slo?.Windows.Select(w => $"{w.Window} {w.Requests} requests, burn {w.BurnRate}") ?? [])}):\n"
                + string.Join('\n', (read.Text ?? string.Empty).Split('\n').Where(l => l.StartsWith("aim_slo", StringComparison.Ordinal) || l.StartsWith("aim_deployment_replicas", StringComparison.Ordinal))),
            cancellationToken: Cancellation);
        var exposed = Names(siloPage + "\n" + await fixture.Http.GetStringAsync("/metrics", Cancellation));

        var dashboards = Directory.GetFiles(Path.Combine(Fixtures.RepositoryRoot, "deploy", "grafana", "dashboards"), "*.json");
        var expressions = dashboards.SelectMany(file => JsonNode.Parse(File.ReadAllText(file))!["panels"]!.AsArray()
            .SelectMany(panel => panel!["targets"]!.AsArray().Select(t => (File: Path.GetFileName(file), Panel: panel["title"]!.GetValue<string>(), Expr: t!["expr"]!.GetValue<string>()))))
            .ToList();

        Assert.Equal(3, dashboards.Length);
        Assert.True(expressions.Count >= 20, $"{expressions.Count} expressions");
        foreach (var (file, panel, expression) in expressions)
        {
            var names = System.Text.RegularExpressions.Regex.Matches(expression, @"\b(aim_[a-z_]+|gpusharing_[a-z_]+)\b").Select(m => m.Value).ToList();
            Assert.NotEmpty(names);
            Assert.All(names, name => Assert.True(exposed.Contains(name), $"{file} '{panel}': {name} is not exposed ({expression})"));
        }
    }

    private static HashSet<string> Names(string page) =>
        [.. page.Split('\n').Where(l => l.Length > 0 && l[0] != '#').Select(l => l.Split('{', ' ')[0])];

    /// <summary>The one series of <paramref name="metric"/> whose labels include <paramref name="labels"/>; null when there is none.</summary>
    private static double? Value(string page, string metric, params (string Key, string Value)[] labels)
    {
        var matches = Series(page, metric).Where(s => labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value)).ToList();
        Assert.True(matches.Count <= 1, $"{matches.Count} series of {metric} match {string.Join(",", labels)}");
        return matches.Count == 1 ? matches[0].Value : null;
    }

    private static IEnumerable<double> Values(string page, string metric) => Series(page, metric).Select(s => s.Value);

    private static IEnumerable<(Dictionary<string, string> Labels, double Value)> Series(string page, string metric)
    {
        foreach (var line in page.Split('\n'))
        {
            if (!line.StartsWith(metric + "{", StringComparison.Ordinal) && !line.StartsWith(metric + " ", StringComparison.Ordinal))
            {
                continue;
            }

            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            var close = line.LastIndexOf('}');
            if (close > 0)
            {
                foreach (var pair in line[(metric.Length + 1)..close].Split("\",", StringSplitOptions.RemoveEmptyEntries))
                {
                    var equals = pair.IndexOf('=', StringComparison.Ordinal);
                    labels[pair[..equals]] = pair[(equals + 2)..].TrimEnd('"');
                }
            }

            var value = line[((close > 0 ? close : metric.Length) + 1)..].Trim().Split(' ')[0];
            yield return (labels, double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture));
        }
    }
}
