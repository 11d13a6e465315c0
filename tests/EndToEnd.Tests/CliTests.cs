using System.Net.Http.Json;

namespace GpuSharing.EndToEnd.Tests;

/// <summary>
/// <c>gpushare</c> against the local system: each command's table and <c>-o json</c> (checked against what the API
/// says), the exit codes README documents, a repartition followed step by step, a bad file refused with exit code 2.
/// </summary>
[Collection(LocalSystemCollection.Name)]
public sealed class CliTests(LocalSystem system)
{
    private readonly GpuShare _cli = new(system.Gateway);

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Gpus_shows_every_GPU_and_partition_the_API_reports_as_a_table_JSON_and_YAML()
    {
        var api = JsonNode.Parse(await system.Http.GetStringAsync("/api/v1/gpus", Cancellation))!.AsArray();

        var table = await _cli.RunAsync("gpus");
        var json = await _cli.RunAsync("gpus", "-o", "json");
        var yaml = await _cli.RunAsync("gpus", "-o", "yaml");

        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains("RESERVED / VRAM", table.Stdout, StringComparison.Ordinal);
        foreach (var gpu in api.OfType<JsonObject>())
        {
            var row = Assert.Single(table.Stdout.Split('\n'), l => System.Text.RegularExpressions.Regex.IsMatch(l, $@"^\s*local\s+{gpu["index"]}\s+MI300X\s"));
            Assert.Contains($"{gpu["computeMode"]}/{gpu["memoryMode"]}", row, StringComparison.Ordinal);
        }

        Assert.Equal(api.Sum(g => g!["partitions"]!.AsArray().Count), table.Stdout.Split('\n').Count(l => l.Contains("GiB", StringComparison.Ordinal)));
        Assert.Equal(0, json.ExitCode);
        Assert.Equal(api.Select(g => $"{g!["node"]}/{g["index"]}"), json.Json().AsArray().Select(g => $"{g!["node"]}/{g["index"]}"));
        Assert.Equal(0, yaml.ExitCode);
        Assert.Equal(api.Count, yaml.Stdout.Split('\n').Count(l => l.StartsWith("- node: local", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Models_apply_list_get_explain_and_delete_a_file_of_deployments()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("cli-").FullName, "deployments.yaml");
        await File.WriteAllTextAsync(file, """
            # two documents: a list, then a single deployment; numbers stay numbers, quoted text stays text
            - namespace: cli-apply
              name: small
              model: qwen2.5-0.5b
              priority: low
            ---
            namespace: cli-apply
            name: huge
            model: giant-1t
            priority: "medium"
            architecture:
              parametersBillions: 1000
              layers: 120
              kvHeads: 8
              headDim: 128
              defaultContext: 8192
            """, Cancellation);

        var applied = await _cli.RunAsync("models", "apply", "-f", file);
        var again = await _cli.RunAsync("models", "apply", "-f", file, "-o", "json");
        var list = await _cli.RunAsync("models", "list", "cli-apply");
        var get = await _cli.RunAsync("models", "get", "cli-apply/small");
        var getJson = await _cli.RunAsync("models", "get", "cli-apply/small", "-o", "json");
        var explain = await _cli.RunAsync("models", "explain", "cli-apply/huge");
        var explainJson = await _cli.RunAsync("models", "explain", "cli-apply/huge", "-o", "json");
        var deleted = await _cli.RunAsync("models", "delete", "cli-apply/small");
        var deletedAgain = await _cli.RunAsync("models", "delete", "cli-apply/small");
        await _cli.RunAsync("models", "delete", "cli-apply/huge");

        Assert.True(applied.ExitCode == 0, applied.ToString());
        Assert.Contains("cli-apply/small: Placed (1 placed)", applied.Stdout, StringComparison.Ordinal);
        Assert.Contains("cli-apply/huge: Failed (0 placed)", applied.Stdout, StringComparison.Ordinal);
        Assert.Equal(["small", "huge"], again.Json().AsArray().Select(m => m!["name"]!.GetValue<string>()));
        Assert.Equal(1, again.Json()[0]!["generation"]!.GetValue<long>()); // the same spec again changed nothing
        Assert.Contains(list.Stdout.Split('\n'), l => l.Contains("small", StringComparison.Ordinal) && l.Contains("qwen2.5-0.5b", StringComparison.Ordinal) && l.Contains("1/1", StringComparison.Ordinal));
        Assert.Contains("cli-apply/small (generation 1)", get.Stdout, StringComparison.Ordinal);
        Assert.Contains("REPLICA", get.Stdout, StringComparison.Ordinal);
        var model = getJson.Json();
        Assert.Equal(("qwen2.5-0.5b", "low"), (model["spec"]!["model"]!.GetValue<string>(), model["spec"]!["priority"]!.GetValue<string>()));
        Assert.Contains($"{model["placements"]![0]!["reservedBytes"]!.GetValue<long>() / (double)(1L << 30):0.0} GiB", get.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, explain.ExitCode);
        Assert.Contains("cli-apply/huge is Failed", explain.Stdout, StringComparison.Ordinal);
        Assert.Contains(explain.Stdout.Split('\n'), l => l.TrimStart().StartsWith("local", StringComparison.Ordinal)); // a row per GPU considered
        Assert.NotEmpty(explainJson.Json()["explanation"]!["gpus"]!.AsArray());
        Assert.Equal((0, "cli-apply/small deleted."), (deleted.ExitCode, deleted.Stdout.Trim()));
        Assert.Equal(ExitCodes.NotFound, deletedAgain.ExitCode);
        Assert.Contains("404", deletedAgain.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_repartition_prints_each_step_as_it_happens_and_ends_in_the_verified_layout()
    {
        var (id, mode) = await system.FreeGpuAsync(Cancellation);
        var target = mode == "CPX" ? "SPX" : "CPX";
        var repartition = await _cli.RunAsync("gpus", "repartition", id, "--compute", target);
        var gpu = JsonNode.Parse(await system.Http.GetStringAsync($"/api/v1/gpus/{id}", Cancellation))!;
        var back = await _cli.RunAsync("gpus", "repartition", id, "--compute", mode, "-o", "json");

        Assert.True(repartition.ExitCode == 0, repartition.ToString());
        var steps = repartition.Stdout.Split('\n').Where(l => l.StartsWith('[')).Select(l => l.Split(']')[1].Split(':')[0].Trim()).ToList();
        Assert.Equal(["Draining", "SettingCompute", "Verifying", "Ready"], steps);
        Assert.Contains($"Succeeded: {id} is {target}/NPS1, verified on the device.", repartition.Stdout, StringComparison.Ordinal);
        var partitions = target == "CPX" ? 8 : 1;
        Assert.Equal((target, partitions), (gpu["computeMode"]!.GetValue<string>(), gpu["partitions"]!.AsArray().Count));
        Assert.Equal(partitions, repartition.Stdout.Split('\n').Count(l => l.Contains($"/{192.0 / partitions:0.0} GiB", StringComparison.Ordinal))); // the new layout, drawn
        Assert.True(back.ExitCode == 0, back.ToString());
        Assert.Equal("Succeeded", back.Json()["status"]!.GetValue<string>()); // stdout is the one JSON document…
        Assert.Contains("SettingCompute", back.Stderr, StringComparison.Ordinal); // …progress went to stderr
    }

    [Fact]
    public async Task Refused_repartitions_exit_with_the_code_of_their_reason()
    {
        var invalid = await _cli.RunAsync("gpus", "repartition", "local/0", "--compute", "SPX", "--memory", "NPS4");
        var unknown = await _cli.RunAsync("gpus", "repartition", "local/9", "--compute", "CPX");
        var badMode = await _cli.RunAsync("gpus", "repartition", "local/0", "--compute", "XPX");
        var badTarget = await _cli.RunAsync("gpus", "repartition", "local", "--compute", "CPX");

        Assert.Equal(ExitCodes.InvalidInput, invalid.ExitCode);
        Assert.StartsWith("422", invalid.Stderr, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.NotFound, unknown.ExitCode);
        Assert.Equal(ExitCodes.InvalidInput, badMode.ExitCode);
        Assert.Contains("XPX", badMode.Stderr, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.InvalidInput, badTarget.ExitCode);
        Assert.Contains("'local' is not NODE/INDEX", badTarget.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_file_is_refused_with_where_and_why_and_exit_code_2()
    {
        var folder = Directory.CreateTempSubdirectory("cli-bad-").FullName;
        var yaml = Path.Combine(folder, "broken.yaml");
        await File.WriteAllTextAsync(yaml, "name: a\nmodel: [qwen\n", Cancellation);
        var json = Path.Combine(folder, "broken.json");
        await File.WriteAllTextAsync(json, "{ \"name\": \"a\", \"model\": }", Cancellation);
        var badName = Path.Combine(folder, "name.yaml");
        await File.WriteAllTextAsync(badName, "name: Not_A_Name\nmodel: qwen2.5-0.5b\n", Cancellation);
        var badSpec = Path.Combine(folder, "spec.yaml");
        await File.WriteAllTextAsync(badSpec, "namespace: cli-bad\nname: typo\nmodel: qwen2.5-0.5b\nreplica: 2\n", Cancellation);

        var results = new[]
        {
            (await _cli.RunAsync("models", "apply", "-f", yaml), $"{yaml}:3:1: not valid YAML"),
            (await _cli.RunAsync("models", "apply", "-f", json), $"{json}:1:"),
            (await _cli.RunAsync("models", "apply", "-f", badName), "name 'Not_A_Name' is not a Kubernetes name"),
            (await _cli.RunAsync("models", "apply", "-f", Path.Combine(folder, "missing.yaml")), "cannot read it"),
            (await _cli.RunAsync("models", "apply", "-f", badSpec), "replica"), // the gateway's 400, field by field
            (await _cli.RunAsync("plan", "-f", badName.Replace("name.yaml", "spec.yaml", StringComparison.Ordinal), "--fleet", "MI300X"), "--fleet takes MODEL=COUNT"),
        };

        Assert.All(results, r =>
        {
            Assert.True(r.Item1.ExitCode == ExitCodes.InvalidInput, r.Item1.ToString());
            Assert.Contains(r.Item2, r.Item1.Stderr, StringComparison.Ordinal);
            Assert.Equal(string.Empty, r.Item1.Stdout);
        });
        Assert.Equal(404, (int)(await system.Http.GetAsync("/api/v1/models/cli-bad/typo", Cancellation)).StatusCode); // nothing applied
    }

    [Fact]
    public async Task Plan_draws_the_what_if_and_changes_nothing()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("cli-plan-").FullName, "plan.json");
        await File.WriteAllTextAsync(file, """{ "deployments": [ { "namespace": "cli-plan", "name": "a", "model": "qwen2.5-7b", "replicas": 2 }, { "namespace": "cli-plan", "name": "b", "model": "qwen2.5-0.5b" } ] }""", Cancellation);
        var before = await system.Http.GetStringAsync("/api/v1/models/cli-plan", Cancellation);

        var table = await _cli.RunAsync("plan", "-f", file, "--fleet", "MI300X=4");
        var json = await _cli.RunAsync("plan", "-f", file, "--fleet", "MI300X=4", "-o", "json");

        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Equal(3, table.Stdout.Split('\n').Count(l => l.Contains("cli-plan/", StringComparison.Ordinal)));
        Assert.Matches(@"GPUs used: \d of 4 \(hypothetical fleet\); lower bound \d", table.Stdout);
        var plan = json.Json();
        Assert.True(plan["hypotheticalFleet"]!.GetValue<bool>());
        Assert.Equal(3, plan["deployments"]!.AsArray().Sum(d => d!["placements"]!.AsArray().Count));
        Assert.Contains($"GPUs used: {plan["gpusUsed"]} of 4", table.Stdout, StringComparison.Ordinal);
        Assert.Equal(before, await system.Http.GetStringAsync("/api/v1/models/cli-plan", Cancellation));
    }

    [Fact]
    public async Task Chat_streams_the_reply_as_it_arrives_and_slo_shows_what_the_requests_did()
    {
        (await system.Http.PutAsJsonAsync("/api/v1/models/cli-chat/qwen", new { model = "qwen2.5-0.5b", slo = new { ttftMs = 5000, target = 0.9 } }, Cancellation)).EnsureSuccessStatusCode();
        await Eventually.UntilAsync(
            async ct => await system.Http.GetStringAsync("/v1/models", ct),
            models => models.Contains("\"cli-chat/qwen\"", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60),
            models => $"never routable: {models}\n{system.Logs()}",
            cancellationToken: Cancellation);

        var chat = await _cli.RunAsync("chat", "cli-chat/qwen", "-m", "Tell me about GPUs", "--max-tokens", "64");
        var piped = await _cli.RunAsync(["chat", "cli-chat/qwen", "-o", "json", "--max-tokens", "4"], "First\nSecond\n");
        var unknown = await _cli.RunAsync("chat", "cli-chat/nobody", "-m", "Hi");
        var slo = await Eventually.UntilAsync(
            async _ => await _cli.RunAsync("slo", "cli-chat/qwen", "-o", "json"),
            r => r.ExitCode == 0 && r.Json()["windows"]![0]!["requests"]!.GetValue<long>() >= 3,
            TimeSpan.FromSeconds(30),
            r => $"the SLO never counted the three requests: {r}",
            cancellationToken: Cancellation);
        var sloTable = await _cli.RunAsync("slo");
        await system.Http.DeleteAsync("/api/v1/models/cli-chat/qwen", Cancellation);

        Assert.True(chat.ExitCode == 0, chat.ToString());
        Assert.True(chat.Stdout.Trim().Length > 20, chat.ToString());
        Assert.True(chat.Pieces.Count >= 3, $"the reply came in {chat.Pieces.Count} piece(s): not streamed"); // tokens as they came…
        Assert.True(chat.Pieces[^1].At - chat.Pieces[0].At > TimeSpan.FromMilliseconds(100), "every piece came at once"); // …spread over the generation
        var turns = piped.Json()["turns"]!.AsArray();
        Assert.Equal(["First", "Second"], turns.Select(t => t!["user"]!.GetValue<string>()));
        Assert.All(turns, t => Assert.NotEmpty(t!["assistant"]!.GetValue<string>()));
        Assert.Equal(ExitCodes.NotFound, unknown.ExitCode);
        Assert.Equal(0.9, slo.Json()["targets"]!["target"]!.GetValue<double>());
        Assert.Contains(sloTable.Stdout.Split('\n'), l => l.Contains("cli-chat/qwen", StringComparison.Ordinal) && l.Contains("90.0%", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_sh_says_how_to_run_the_CLI_and_the_wrapper_runs_it()
    {
        var server = system.Gateway.ToString().TrimEnd('/');
        var start = new System.Diagnostics.ProcessStartInfo(Path.Combine(Fixtures.RepositoryRoot, "gpushare")) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "gpus", "-o", "json" })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["GPUSHARE_SERVER"] = server;
        start.Environment["CONFIGURATION"] = RunScript.BuildConfiguration;
        using var wrapper = System.Diagnostics.Process.Start(start)!;
        var output = await wrapper.StandardOutput.ReadToEndAsync(Cancellation);
        await wrapper.WaitForExitAsync(Cancellation);

        Assert.Contains($"CLI         GPUSHARE_SERVER={server} ./gpushare gpus", system.StartOutput, StringComparison.Ordinal);
        Assert.Equal(0, wrapper.ExitCode);
        Assert.Equal(2, JsonNode.Parse(output)!.AsArray().Count);
    }

    [Fact]
    public async Task An_unreachable_gateway_and_unknown_usage_have_their_own_exit_codes()
    {
        var unreachable = await _cli.RunAsync(["gpus", "--server", $"http://127.0.0.1:{FreePorts.Next()}"], null, null);
        var unknownCommand = await _cli.RunAsync("gpu");
        var notUrl = await _cli.RunAsync("gpus", "--server", "localhost:5080");
        var help = await _cli.RunAsync("--help");

        Assert.Equal(ExitCodes.Unreachable, unreachable.ExitCode);
        Assert.Contains("Cannot reach the gateway", unreachable.Stderr, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.InvalidInput, unknownCommand.ExitCode);
        Assert.Equal(ExitCodes.InvalidInput, notUrl.ExitCode);
        Assert.Equal(0, help.ExitCode);
        Assert.All(new[] { "gpus", "models", "plan", "slo", "chat" }, c => Assert.Contains(c, help.Stdout, StringComparison.Ordinal));
    }
}
