using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using GpuSharing.Gateway.Apis;
using GpuSharing.Gateway.Serving;
using GpuSharing.Grains.Interfaces.Fleet;
using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Interfaces.Serving;
using GpuSharing.Grains.Interfaces.Slo;
using GpuSharing.InferenceSimulator;
using Microsoft.Extensions.DependencyInjection;

namespace GpuSharing.Gateway.Tests.Serving;

/// <summary>
/// The OpenAI-compatible request path on the gateway's web host, over a silo that serves every placed replica with a
/// SIMULATED inference server, and over simulated servers the tests start and report to the endpoint directory.
/// </summary>
public sealed class OpenAiRoutingTests(GatewayHostFixture fixture) : IClassFixture<GatewayHostFixture>
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_deployment_put_through_the_API_becomes_routable_and_a_chat_completion_streams_back()
    {
        var put = await fixture.Http.PutAsJsonAsync("/api/v1/models/serving/qwen", new { model = "qwen2.5-0.5b", priority = "high" }, Cancellation);
        await UntilListedAsync("serving/qwen");

        var events = await StreamAsync("/v1/chat/completions", new { model = "serving/qwen", stream = true, max_tokens = 4, messages = new[] { new { role = "user", content = "Hello" } } });
        var whole = await fixture.Http.PostAsJsonAsync("/v1/completions", new { model = "serving/qwen", prompt = "Hello", max_tokens = 3 }, Cancellation);
        var completion = JsonNode.Parse(await whole.Content.ReadAsStringAsync(Cancellation))!;

        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal(5, events.Count);
        Assert.Equal("[DONE]", events[^1]);
        Assert.Equal("simulated tokens from a", string.Concat(events.SkipLast(1).Select(e => JsonNode.Parse(e)!["choices"]![0]!["delta"]!["content"]!.GetValue<string>())));
        Assert.Equal("length", JsonNode.Parse(events[^2])!["choices"]![0]!["finish_reason"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.Equal("simulated", whole.Headers.GetValues("X-Inference-Server").Single());
        Assert.Equal((3, "serving/qwen"), (completion["usage"]!["completion_tokens"]!.GetValue<int>(), completion["model"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Endpoints_a_deployment_declares_are_routed_to_and_the_same_spec_again_changes_nothing()
    {
        // Pinned to a node that does not exist, the deployment is never placed: only its declared server can answer.
        var model = new SimulatedModel("Qwen/Qwen2.5-0.5B", 1_000_000_000, 0.5, false, AcceleratorSpec.Mi300X, 1, 8, "test/declared");
        await using var server = await SimulatedInferenceServer.StartAsync(model, new PartitionLoad(), TimeProvider.System, cancellationToken: Cancellation);
        var spec = new { model = "qwen2.5-0.5b", node = "elsewhere", endpoints = new[] { server.Url.GetLeftPart(UriPartial.Authority) } };

        var put = await fixture.Http.PutAsJsonAsync("/api/v1/models/declared/qwen", spec, Cancellation);
        await UntilListedAsync("declared/qwen");
        var chat = await fixture.Http.PostAsJsonAsync("/v1/chat/completions", new { model = "declared/qwen", max_tokens = 2, messages = new[] { new { role = "user", content = "Hi" } } }, Cancellation);
        var again = await fixture.Http.PutAsJsonAsync("/api/v1/models/declared/qwen", spec, Cancellation);
        var view = JsonNode.Parse(await again.Content.ReadAsStringAsync(Cancellation))!;
        var bad = await fixture.Http.PutAsJsonAsync("/api/v1/models/declared/bad", new { model = "qwen2.5-0.5b", endpoints = new[] { "ftp://10.0.0.1/", "http://user:secret@10.0.0.1:8000" } }, Cancellation);
        var problem = JsonNode.Parse(await bad.Content.ReadAsStringAsync(Cancellation))!;

        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        Assert.Equal("Qwen/Qwen2.5-0.5B", JsonNode.Parse(await chat.Content.ReadAsStringAsync(Cancellation))!["model"]!.GetValue<string>());
        Assert.Equal((HttpStatusCode.OK, 1L), (again.StatusCode, view["generation"]!.GetValue<long>()));
        Assert.Equal(server.Url.GetLeftPart(UriPartial.Authority), view["spec"]!["endpoints"]![0]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("not an absolute http or https URL", problem["errors"]!["endpoints[0]"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("no credentials", problem["errors"]!["endpoints[1]"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain("secret", problem.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_changed_list_of_declared_endpoints_and_a_deletion_reach_the_router_within_a_few_rounds()
    {
        // The reporter reads only what the index's change feed names (and everything once a minute): a change must
        // arrive through the feed well before that minute.
        var model = new SimulatedModel("Qwen/Qwen2.5-0.5B", 1_000_000_000, 0.5, false, AcceleratorSpec.Mi300X, 1, 8, "test/moved");
        var first = await SimulatedInferenceServer.StartAsync(model, new PartitionLoad(), TimeProvider.System, cancellationToken: Cancellation);
        await using var second = await SimulatedInferenceServer.StartAsync(model, new PartitionLoad(), TimeProvider.System, cancellationToken: Cancellation);
        await fixture.Http.PutAsJsonAsync("/api/v1/models/declared/moved", new { model = "qwen2.5-0.5b", node = "elsewhere", endpoints = new[] { first.Url.GetLeftPart(UriPartial.Authority) } }, Cancellation);
        await UntilListedAsync("declared/moved");

        await fixture.Http.PutAsJsonAsync("/api/v1/models/declared/moved", new { model = "qwen2.5-0.5b", node = "elsewhere", endpoints = new[] { second.Url.GetLeftPart(UriPartial.Authority) } }, Cancellation);
        await first.DisposeAsync();
        var moved = Stopwatch.StartNew();
        await Eventually.UntilAsync(
            async ct => (await fixture.Http.PostAsJsonAsync("/v1/completions", new { model = "declared/moved", prompt = "Hi", max_tokens = 1 }, ct)).StatusCode,
            status => status == HttpStatusCode.OK,
            TimeSpan.FromSeconds(30),
            status => $"still {status}: the router never learned the new endpoint",
            cancellationToken: Cancellation);
        var movedIn = moved.Elapsed;
        await fixture.Http.DeleteAsync("/api/v1/models/declared/moved", Cancellation);
        var deleted = Stopwatch.StartNew();
        await Eventually.UntilAsync(
            async ct => await fixture.Http.GetStringAsync("/v1/models", ct),
            models => !models.Contains("declared/moved", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30),
            models => $"still listed: {models}",
            cancellationToken: Cancellation);

        Assert.True(movedIn < TimeSpan.FromSeconds(20), $"the new endpoint took {movedIn.TotalSeconds:0} s");
        Assert.True(deleted.Elapsed < TimeSpan.FromSeconds(20), $"the deletion took {deleted.Elapsed.TotalSeconds:0} s");
    }

    [Fact]
    public async Task Requests_that_reach_a_replica_without_the_gateway_are_scraped_from_its_metrics_into_the_SLO()
    {
        await using var server = await StartReportedAsync("test/bypass", weightsBytes: 1_000_000_000, share: 1);
        var scraper = fixture.GatewayServices.GetRequiredService<BypassScraper>();
        var rounds = scraper.Rounds;
        await Eventually.UntilAsync(_ => Task.FromResult(scraper.Rounds), r => r >= rounds + 2, TimeSpan.FromSeconds(10), r => $"{r} scrape rounds", cancellationToken: Cancellation);

        using var direct = new HttpClient { BaseAddress = server.Url };
        var request = new { model = "test/bypass", max_tokens = 2, messages = new[] { new { role = "user", content = "Hi" } } };
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await direct.PostAsJsonAsync("/v1/chat/completions", request, Cancellation)).StatusCode);
        }

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await fixture.Http.PostAsJsonAsync("/v1/chat/completions", request, Cancellation)).StatusCode);
        }

        // 3 measured by the gateway, 5 learned from the server's histograms (8 finished there, 3 of them forwarded).
        // (No deployment backs these endpoints, so the SLO grain is read directly rather than through the API.)
        var slo = await Eventually.UntilAsync(
            async ct => await fixture.Grains.GetGrain<ISloGrain>("test/bypass").GetAsync(ct),
            s => s.Windows[0].Requests >= 8,
            TimeSpan.FromSeconds(15),
            s => $"the SLO counts {s?.Windows[0].Requests} request(s)",
            cancellationToken: Cancellation);
        var counted = scraper.Rounds;
        await Eventually.UntilAsync(_ => Task.FromResult(scraper.Rounds), r => r >= counted + 2, TimeSpan.FromSeconds(10), r => $"{r} scrape rounds", cancellationToken: Cancellation);
        await Task.Delay(SloFlusher.Interval, Cancellation); // … and the flush after them: nothing is counted twice
        Assert.Equal(8, (await fixture.Grains.GetGrain<ISloGrain>("test/bypass").GetAsync(Cancellation)).Windows[0].Requests);
    }

    [Fact]
    public async Task Tokens_are_forwarded_as_the_backend_makes_them_and_the_stream_is_passed_on_unchanged()
    {
        // About 100 ms per token: 12 tokens take over a second; the first is out after one prefill.
        await using var server = await StartReportedAsync("test/slow", weightsBytes: 40_000_000_000, share: 0.125);
        var request = new { model = "test/slow", stream = true, max_tokens = 12, messages = new[] { new { role = "user", content = "Tell me" } } };

        // Passed on as they arrive, the events reach the caller spread over the backend's ~1.1 s of generation; a
        // buffered stream would arrive all at once. (The spread, not the time to the first event, so that a slow first
        // request on a busy machine — connections, JIT — cannot decide the outcome.)
        var clock = Stopwatch.StartNew();
        var first = TimeSpan.Zero;
        var last = TimeSpan.Zero;
        var viaGateway = await StreamAsync("/v1/chat/completions", request, onEvent: index =>
        {
            last = clock.Elapsed;
            first = index == 0 ? last : first;
        });
        using var direct = new HttpClient { BaseAddress = server.Url };
        var straight = await StreamAsync(direct, "/v1/chat/completions", request);

        Assert.True(last - first >= TimeSpan.FromMilliseconds(800), $"the first event came at {first.TotalMilliseconds:0} ms and the last at {last.TotalMilliseconds:0} ms: the stream was held back");
        Assert.Equal(straight.Select(WithoutIdentity), viaGateway.Select(WithoutIdentity));
    }

    [Fact]
    public async Task A_replica_whose_endpoint_dies_stops_receiving_requests_within_five_seconds()
    {
        var server = await StartReportedAsync("test/dying", weightsBytes: 1_000_000_000, share: 1);
        await server.DisposeAsync();
        var clock = Stopwatch.StartNew();

        await Eventually.UntilAsync(
            async ct => await fixture.Http.GetStringAsync("/v1/models", ct),
            models => !models.Contains("test/dying", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10),
            models => $"still listed: {models}",
            cancellationToken: Cancellation);
        var elapsed = clock.Elapsed;
        var response = await fixture.Http.PostAsJsonAsync("/v1/completions", new { model = "test/dying", prompt = "Hi" }, Cancellation);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync(Cancellation))!["error"]!;

        Assert.True(elapsed <= TimeSpan.FromSeconds(5), $"it was routable for {elapsed.TotalSeconds:0.0} s after it died");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("model_not_routable", error["code"]!.GetValue<string>());
        Assert.NotNull(response.Headers.RetryAfter);
    }

    [Fact]
    public async Task Requests_through_the_gateway_are_measured_and_the_SLO_is_reported_per_window()
    {
        var put = await fixture.Http.PutAsJsonAsync("/api/v1/models/serving/slo", new { model = "qwen2.5-0.5b", slo = new { ttftMs = 5000, tpotMs = 1000, target = 0.9 } }, Cancellation);
        await UntilListedAsync("serving/slo");
        for (var i = 0; i < 3; i++)
        {
            await StreamAsync("/v1/chat/completions", new { model = "serving/slo", stream = true, max_tokens = 3, messages = new[] { new { role = "user", content = "Hi" } } });
        }

        var slo = await Eventually.UntilAsync(
            async ct => JsonNode.Parse(await fixture.Http.GetStringAsync("/api/v1/slo/serving/slo", ct))!,
            view => view["windows"]![0]!["requests"]!.GetValue<long>() >= 3,
            TimeSpan.FromSeconds(15),
            view => $"the samples never arrived: {view}",
            cancellationToken: Cancellation);
        var all = JsonNode.Parse(await fixture.Http.GetStringAsync("/api/v1/slo", Cancellation))!.AsArray();
        var missing = await fixture.Http.GetAsync("/api/v1/slo/serving/nobody", Cancellation);
        var history = JsonNode.Parse(await fixture.Http.GetStringAsync("/api/v1/slo/serving/slo/history?minutes=5", Cancellation))!.AsArray();
        var badMinutes = await fixture.Http.GetAsync("/api/v1/slo/serving/slo/history?minutes=0", Cancellation);
        var noHistory = await fixture.Http.GetAsync("/api/v1/slo/serving/nobody/history", Cancellation);

        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal((5000, 1000, 0.9), (slo["targets"]!["ttftMs"]!.GetValue<int>(), slo["targets"]!["tpotMs"]!.GetValue<int>(), slo["targets"]!["target"]!.GetValue<double>()));
        Assert.Equal(["5m", "1h", "24h"], slo["windows"]!.AsArray().Select(w => w!["window"]!.GetValue<string>()));
        Assert.All(slo["windows"]!.AsArray(), w => Assert.Equal((3L, 3L, 1.0, 0.0), (w!["requests"]!.GetValue<long>(), w["good"]!.GetValue<long>(), w["attainment"]!.GetValue<double>(), w["burnRate"]!.GetValue<double>())));
        Assert.Equal(("ok", 1.0), (slo["burn"]!.GetValue<string>(), slo["errorBudgetRemaining"]!.GetValue<double>()));
        Assert.True(slo["ttftP50Ms"]!.GetValue<double>() > 0 && slo["tpotP50Ms"]!.GetValue<double>() > 0, slo.ToJsonString());
        Assert.Contains(all, v => v!["deployment"]!.GetValue<string>() == "serving/slo");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
        Assert.Equal(5, history.Count); // one point per minute, oldest first, the last one now
        Assert.Equal(3L, history.Sum(p => p!["requests"]!.GetValue<long>()));
        Assert.Equal(0.0, history.Last(p => p!["requests"]!.GetValue<long>() > 0)!["burnRate5m"]!.GetValue<double>());
        Assert.Equal(HttpStatusCode.BadRequest, badMinutes.StatusCode);
        Assert.Contains("minutes", await badMinutes.Content.ReadAsStringAsync(Cancellation), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, noHistory.StatusCode);

        // Deleted and made again under the same name: the SLO starts afresh.
        (await fixture.Http.DeleteAsync("/api/v1/models/serving/slo", Cancellation)).EnsureSuccessStatusCode();
        (await fixture.Http.PutAsJsonAsync("/api/v1/models/serving/slo", new { model = "qwen2.5-0.5b" }, Cancellation)).EnsureSuccessStatusCode();
        var fresh = JsonNode.Parse(await fixture.Http.GetStringAsync("/api/v1/slo/serving/slo", Cancellation))!;
        Assert.All(fresh["windows"]!.AsArray(), w => Assert.Equal(0L, w!["requests"]!.GetValue<long>()));
    }

    [Fact]
    public async Task A_deployment_that_exists_but_has_no_endpoint_is_unroutable_not_unknown()
    {
        // Pinned to a node that does not exist and declaring no server: it stays Pending and nothing can serve it.
        var put = await fixture.Http.PutAsJsonAsync("/api/v1/models/serving/nowhere", new { model = "qwen2.5-0.5b", node = "elsewhere" }, Cancellation);

        var response = await fixture.Http.PostAsJsonAsync("/v1/completions", new { model = "serving/nowhere", prompt = "Hi" }, Cancellation);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync(Cancellation))!["error"]!;
        var unknown = await fixture.Http.PostAsJsonAsync("/v1/completions", new { model = "serving/never-made", prompt = "Hi" }, Cancellation);

        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(("model_not_routable", "server_error"), (error["code"]!.GetValue<string>(), error["type"]!.GetValue<string>()));
        Assert.Contains("serving/nowhere is Pending", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    public static TheoryData<string?, string, int, string> Malformed => new()
    {
        { null, "{\"model\":\"test/errors\",\"prompt\":\"x\"}", 415, "unsupported_media_type" },
        { "text/plain", "{\"model\":\"test/errors\",\"prompt\":\"x\"}", 415, "unsupported_media_type" },
        { "application/json", "{bad", 400, "invalid_json" },
        { "application/json", "[]", 400, "invalid_json" },
        { "application/json", "{\"model\":\"test/errors\",\"model\":\"--trust-remote-code\"}", 400, "invalid_json" },
        { "application/json", "{\"prompt\":\"x\"}", 400, "missing_model" },
        { "application/json", "{\"model\":42}", 400, "missing_model" },
        { "application/json", "{\"model\":\"nobody/serves-this\",\"prompt\":\"x\"}", 404, "model_not_found" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task Malformed_requests_get_an_OpenAI_format_4xx(string? contentType, string body, int status, string code)
    {
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        if (contentType is not null)
        {
            content.Headers.ContentType = new(contentType);
        }

        var response = await fixture.Http.PostAsync("/v1/completions", content, Cancellation);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync(Cancellation))!["error"]!;

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(code, error["code"]!.GetValue<string>());
        Assert.False(string.IsNullOrWhiteSpace(error["message"]!.GetValue<string>()));
        Assert.Equal("invalid_request_error", error["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_bad_deadline_is_refused_and_a_backend_error_is_passed_on_as_the_backend_said_it()
    {
        await using var server = await StartReportedAsync("test/errors", weightsBytes: 1_000_000_000, share: 1);
        using var badDeadline = new HttpRequestMessage(HttpMethod.Post, "/v1/completions") { Content = JsonContent.Create(new { model = "test/errors", prompt = "x" }) };
        badDeadline.Headers.Add(OpenAiApi.DeadlineHeader, "soon");

        var refused = await fixture.Http.SendAsync(badDeadline, Cancellation);
        var backend = await fixture.Http.PostAsJsonAsync("/v1/chat/completions", new { model = "test/errors" }, Cancellation);
        var backendError = JsonNode.Parse(await backend.Content.ReadAsStringAsync(Cancellation))!;

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("invalid_deadline", JsonNode.Parse(await refused.Content.ReadAsStringAsync(Cancellation))!["error"]!["code"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, backend.StatusCode);
        Assert.Equal(("BadRequestError", "'messages' must be a non-empty array."), (backendError["type"]!.GetValue<string>(), backendError["message"]!.GetValue<string>()));
    }

    private async Task<SimulatedInferenceServer> StartReportedAsync(string deployment, long weightsBytes, double share)
    {
        var model = new SimulatedModel(deployment, weightsBytes, weightsBytes / 2e9, false, AcceleratorSpec.Mi300X, share, 8, $"test/{deployment}");
        var server = await SimulatedInferenceServer.StartAsync(model, new PartitionLoad(), TimeProvider.System, cancellationToken: Cancellation);
        var endpoint = new ReplicaEndpoint(deployment, 0, "node-1", server.Url.GetLeftPart(UriPartial.Authority), deployment, Priority.Medium, 8, "declared");
        await fixture.Grains.GetGrain<IEndpointDirectoryGrain>(Pools.Default).ReportAsync($"test:{deployment}", [endpoint], Cancellation);
        await UntilListedAsync(deployment);
        return server;
    }

    private Task<string> UntilListedAsync(string deployment) =>
        Eventually.UntilAsync(
            async ct => await fixture.Http.GetStringAsync("/v1/models", ct),
            models => models.Contains($"\"id\":\"{deployment}\"", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30),
            models => $"{deployment} never became routable: {models}",
            cancellationToken: Cancellation);

    private Task<List<string>> StreamAsync(string path, object body, Action<int>? onEvent = null) => StreamAsync(fixture.Http, path, body, onEvent);

    private static async Task<List<string>> StreamAsync(HttpClient http, string path, object body, Action<int>? onEvent = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Cancellation);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Cancellation));
        var events = new List<string>();
        while (await reader.ReadLineAsync(Cancellation) is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                onEvent?.Invoke(events.Count);
                events.Add(line["data: ".Length..]);
            }
        }

        return events;
    }

    private static string WithoutIdentity(string data)
    {
        if (data == "[DONE]")
        {
            return data;
        }

        var node = JsonNode.Parse(data)!.AsObject();
        node.Remove("id");
        node.Remove("created");
        return node.ToJsonString();
    }
}
