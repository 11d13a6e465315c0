using System.Net;
using System.Net.Sockets;

namespace GpuSharing.Integration.Tests;

/// <summary>
/// The README's first command, <c>./run.sh</c>, as a user runs it: on ports of its own choosing (Orleans and Azurite
/// included), refusing a port someone else holds, and saying so when asked for other GPUs than the running ones.
/// </summary>
public sealed class RunScriptTests
{
    [Fact]
    public async Task Run_sh_starts_on_chosen_ports_refuses_held_ports_and_names_a_different_GPU_set()
    {
        var runDirectory = Directory.CreateTempSubdirectory("run-sh-").FullName;
        var ports = RunScript.IsolatedSettings(runDirectory);
        ports["GPUS"] = "MI300X:1";
        try
        {
            var started = await RunAsync(ports, "--no-build");
            Assert.True(started.ExitCode == 0, started.Output);
            Assert.Contains("is running: node 'local' with simulated MI300X:1", started.Output, StringComparison.Ordinal);
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports["GATEWAY_PORT"]}") };
            var gpus = await http.GetStringAsync("/api/v1/gpus", TestContext.Current.CancellationToken);
            Assert.Contains("\"model\":\"MI300X\"", gpus, StringComparison.Ordinal);

            // Debian's Prometheus, started by run.sh, scrapes the silo and the gateway: after a repartition and a
            // placement its queries return the partitions and the deployment with the values the API reports.
            Assert.Contains($"Prometheus  http://127.0.0.1:{ports["PROMETHEUS_PORT"]}/", started.Output, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.Accepted, (await http.PutAsync("/api/v1/gpus/local/0/partitioning", Json("{\"computeMode\":\"CPX\"}"), TestContext.Current.CancellationToken)).StatusCode);
            await Eventually.UntilAsync(
                async ct => await http.GetStringAsync("/api/v1/gpus/local/0", ct),
                gpu => gpu.Contains("\"computeMode\":\"CPX\"", StringComparison.Ordinal) && gpu.Contains("\"state\":\"Ready\"", StringComparison.Ordinal),
                TimeSpan.FromSeconds(60),
                gpu => $"never CPX: {gpu}",
                cancellationToken: TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.Created, (await http.PutAsync("/api/v1/models/prom/qwen", Json("{\"model\":\"qwen2.5-0.5b\"}"), TestContext.Current.CancellationToken)).StatusCode);
            await Eventually.UntilAsync( // placed at once as a rule; a placement that had to wait is placed on its retry
                async ct => await http.GetStringAsync("/api/v1/models/prom/qwen", ct),
                model => model.Contains("\"status\":\"Placed\"", StringComparison.Ordinal),
                TimeSpan.FromSeconds(60),
                model => $"never placed: {model}\n{RunScript.Logs(runDirectory)}",
                cancellationToken: TestContext.Current.CancellationToken);
            var reserved = System.Text.Json.Nodes.JsonNode.Parse(await http.GetStringAsync("/api/v1/gpus/local/0", TestContext.Current.CancellationToken))!["partitions"]!.AsArray().Sum(p => p!["reservedBytes"]!.GetValue<long>());
            using var prometheus = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports["PROMETHEUS_PORT"]}") };
            var figures = await Eventually.UntilAsync(
                async ct => (
                    Partitions: await QueryAsync(prometheus, "aim_gpu_partition_count{gpu=\"0\",compute_mode=\"CPX\"}", ct),
                    Reserved: await QueryAsync(prometheus, "sum(aim_gpu_partition_memory_allocated_bytes)", ct),
                    Placed: await QueryAsync(prometheus, "aim_deployment_replicas{namespace=\"prom\",name=\"qwen\",state=\"placed\"}", ct)),
                f => f.Partitions == 8 && f.Reserved == reserved && f.Placed == 1,
                TimeSpan.FromSeconds(90),
                f => $"Prometheus answered {f}; the API reserves {reserved} bytes",
                transient: ex => ex is HttpRequestException, // Prometheus still opening its port or its storage
                cancellationToken: TestContext.Current.CancellationToken);
            Assert.True(reserved > 0);
            Assert.Equal((8.0, (double)reserved, 1.0), (figures.Partitions, figures.Reserved, figures.Placed));

            // The same command again reuses what runs; other GPUs are refused by name.
            var again = await RunAsync(ports, "--no-build");
            Assert.True(again.ExitCode == 0, again.Output);
            var other = await RunAsync(new Dictionary<string, string>(ports) { ["GPUS"] = "MI355X:2" }, "--no-build");
            Assert.Equal(1, other.ExitCode);
            Assert.Contains("asked for GPUS=MI355X:2", other.Output, StringComparison.Ordinal);
            Assert.Contains("./run.sh stop", other.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("is running", other.Output, StringComparison.Ordinal);
        }
        finally
        {
            await RunAsync(ports, "stop");
            Directory.Delete(runDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task Run_sh_never_says_running_when_its_gateway_port_is_held_by_another_process()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var held = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var runDirectory = Directory.CreateTempSubdirectory("run-sh-").FullName;
        var settings = RunScript.IsolatedSettings(runDirectory);
        settings["GATEWAY_PORT"] = $"{held}";
        try
        {
            var result = await RunAsync(settings, "--no-build");

            Assert.Equal(1, result.ExitCode);
            Assert.Contains($"port {held} (gateway HTTP) is held by another process (pid {Environment.ProcessId}", result.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("is running", result.Output, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(runDirectory, "azurite.pid")), "nothing is started when a port is taken");
        }
        finally
        {
            await RunAsync(settings, "stop");
            Directory.Delete(runDirectory, recursive: true);
        }
    }

    private static StringContent Json(string body) => new(body, System.Text.Encoding.UTF8, "application/json");

    /// <summary>One value of an instant query; null when the query returns no series yet.</summary>
    private static async Task<double?> QueryAsync(HttpClient prometheus, string query, CancellationToken cancellationToken)
    {
        var answer = System.Text.Json.Nodes.JsonNode.Parse(await prometheus.GetStringAsync($"/api/v1/query?query={Uri.EscapeDataString(query)}", cancellationToken))!;
        var result = answer["data"]!["result"]!.AsArray();
        return result.Count == 1 ? double.Parse(result[0]!["value"]![1]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    private static Task<(int ExitCode, string Output)> RunAsync(IReadOnlyDictionary<string, string> settings, params string[] arguments) =>
        RunScript.RunAsync(settings, TestContext.Current.CancellationToken, arguments);
}
