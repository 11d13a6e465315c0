using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace GpuSharing.Gateway.Tests.Serving;

/// <summary>
/// The <c>vllm</c> runtime through a real process boundary: the node silo starts the FAKE vllm executable as
/// <c>vllm serve</c> with the binding's arguments and environment, starts it again after it dies, and stops it when
/// the deployment goes; the gateway routes to it like to any replica.
/// </summary>
public sealed class VllmRuntimeTests(VllmGatewayHostFixture fixture) : IClassFixture<VllmGatewayHostFixture>
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_placed_replica_runs_as_vllm_serve_with_its_binding_is_restarted_after_it_dies_and_stopped_when_deleted()
    {
        var put = await fixture.Http.PutAsJsonAsync("/api/v1/models/team-v/qwen", new { model = "qwen2.5-0.5b", maxNumSeqs = 8 }, Cancellation);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        await UntilRoutableAsync("team-v/qwen", routable: true);
        var binding = JsonNode.Parse(await fixture.Http.GetStringAsync("/api/v1/models/team-v/qwen", Cancellation))!["binding"]!;
        var first = fixture.Vllm.Starts.Single();

        // Started as vllm serve: the binding's model positionally, the rest of its arguments in order, where to listen,
        // and the name the gateway routes by; the binding's devices in the environment.
        var arguments = first["args"]!.AsArray().Select(a => a!.GetValue<string>()).ToList();
        var bindingArguments = binding["vllmArguments"]!.AsArray().Select(a => a!.GetValue<string>()).ToList();
        var model = bindingArguments[bindingArguments.IndexOf("--model") + 1];
        Assert.Equal(["serve", model], arguments.Take(2));
        Assert.Equal(bindingArguments.Where((_, i) => i != bindingArguments.IndexOf("--model") && i != bindingArguments.IndexOf("--model") + 1), arguments.Skip(2).Take(bindingArguments.Count - 2));
        Assert.Equal(["--served-model-name", "team-v/qwen"], arguments.TakeLast(2));
        Assert.Equal(binding["environment"]!["HIP_VISIBLE_DEVICES"]!.GetValue<string>(), first["HIP_VISIBLE_DEVICES"]!.GetValue<string>());
        Assert.Equal(binding["environment"]!["ROCR_VISIBLE_DEVICES"]!.GetValue<string>(), first["ROCR_VISIBLE_DEVICES"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await ChatAsync("team-v/qwen")).StatusCode);

        // It dies: the silo starts it again (a new process, the same command line) and the gateway routes to it again.
        Process.GetProcessById(first["pid"]!.GetValue<int>()).Kill();
        var restarted = await Eventually.UntilAsync(
            _ => Task.FromResult(fixture.Vllm.Starts),
            starts => starts.Count == 2,
            TimeSpan.FromSeconds(20),
            starts => $"{starts?.Count} start(s) of the fake vllm",
            cancellationToken: Cancellation);
        Assert.NotEqual(first["pid"]!.GetValue<int>(), restarted[1]["pid"]!.GetValue<int>());
        Assert.Equal(arguments, restarted[1]["args"]!.AsArray().Select(a => a!.GetValue<string>()));
        await Eventually.UntilAsync(
            async _ => (await ChatAsync("team-v/qwen")).StatusCode,
            status => status == HttpStatusCode.OK,
            TimeSpan.FromSeconds(20),
            status => $"after the restart the gateway answered {status}",
            cancellationToken: Cancellation);

        // The deployment goes: its server is stopped and it is no longer routable.
        Assert.Equal(HttpStatusCode.NoContent, (await fixture.Http.DeleteAsync("/api/v1/models/team-v/qwen", Cancellation)).StatusCode);
        await Eventually.UntilAsync(
            _ => Task.FromResult(Alive(restarted[1]["pid"]!.GetValue<int>())),
            alive => !alive,
            TimeSpan.FromSeconds(20),
            _ => "the fake vllm still runs after its deployment was deleted",
            cancellationToken: Cancellation);
        await UntilRoutableAsync("team-v/qwen", routable: false);
        Assert.Equal(2, fixture.Vllm.Starts.Count);
    }

    private async Task<HttpResponseMessage> ChatAsync(string model) =>
        await fixture.Http.PostAsJsonAsync("/v1/chat/completions", new { model, max_tokens = 2, messages = new[] { new { role = "user", content = "Hi" } } }, Cancellation);

    private async Task UntilRoutableAsync(string deployment, bool routable) =>
        await Eventually.UntilAsync(
            async ct => await fixture.Http.GetStringAsync("/v1/models", ct),
            models => models.Contains($"\"{deployment}\"", StringComparison.Ordinal) == routable,
            TimeSpan.FromSeconds(30),
            models => $"{deployment} routable should be {routable}; /v1/models: {models}",
            cancellationToken: Cancellation);

    private static bool Alive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
