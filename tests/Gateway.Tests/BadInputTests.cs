using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Gateway.Tests;

/// <summary>
/// Every route, given bad input, answers 4xx with RFC 7807 problem details, never 5xx, and changes nothing — on the
/// gateway's web host over a silo with simulated GPUs, both in this process.
/// </summary>
public sealed class BadInputTests(GatewayHostFixture fixture) : IClassFixture<GatewayHostFixture>
{
    private const string Put = "PUT";
    private const string Get = "GET";
    private const string Post = "POST";
    private const string Delete = "DELETE";
    private const string Json = "application/json";
    private const string Model = "/api/v1/models/team-a/qwen";

    public static TheoryData<string, string, string?, string?, int, string> Cases => new()
    {
        // PUT partitioning: bodies
        { Put, "/api/v1/gpus/node-1/0/partitioning", "{bad", "application/json", 400, "malformed-request" },
        { Put, "/api/v1/gpus/node-1/0/partitioning", "{\"computeMode\":\"CPX\",}", "application/json", 400, "malformed-request" },
        { Put, "/api/v1/gpus/node-1/0/partitioning", "", "application/json", 400, "malformed-request" },
        { Put, "/api/v1/gpus/node-1/0/partitioning", "[]", "application/json", 400, "invalid-request" },
        { Put, "/api/v1/gpus/node-1/0/partitioning", "\"CPX\"", "application/json", 400, "invalid-request" },
        { Put, "/api/v1/gpus/node-1/0/partitioning", "null", "application/json", 400, "invalid-request" },
        { Put, "/api/v1/gpus/node-1/0/partitioning", "{}", "application/json", 400, "invalid-request" },
        { Put, "/api/v1/gpus/node-1/0/partitioning", "{\"computeMode\":\"XPX\"}", "application/json", 400, "invalid-request" },
        { Put, "/api/v1/gpus/node-1/0/partitioning", "{\"computeMode\":\"CPX\",\"memoryMode\":\"NPS3\"}", "application/json", 400, "invalid-request" },
        { Put, "/api/v1/gpus/node-1/0/partitioning", "{\"computeMode\":\"cpx\"}", "application/json", 400, "invalid-request" },
        { Put, "/api/v1/gpus/node-1/0/partitioning", "{\"ComputeMode\":\"CPX\"}", "application/json", 400, "invalid-request" },
        { Put, "/api/v1/gpus/node-1/0/partitioning", "{\"computeMode\":\"CPX\",\"memorymode\":\"NPS1\"}", "application/json", 400, "invalid-request" },
        { Put, "/api/v1/gpus/node-1/0/partitioning", "{\"computeMode\":\"CPX\",\"force\":true}", "application/json", 400, "invalid-request" },
        { Put, "/api/v1/gpus/node-1/0/partitioning", "{\"computeMode\":\"CPX\",\"computeMode\":\"SPX\"}", "application/json", 400, "invalid-request" },
        { Put, "/api/v1/gpus/node-1/0/partitioning", "{\"computeMode\":8}", "application/json", 400, "invalid-request" },
        { Put, "/api/v1/gpus/node-1/0/partitioning", "{\"computeMode\":[\"CPX\"]}", "application/json", 400, "invalid-request" },
        { Put, "/api/v1/gpus/node-1/0/partitioning", new string('[', 200) + new string(']', 200), "application/json", 400, "malformed-request" },
        { Put, "/api/v1/gpus/node-1/0/partitioning", "{\"computeMode\":\"CPX\"}", "text/plain", 415, "unsupported-media-type" },
        { Put, "/api/v1/gpus/node-1/0/partitioning", "{\"computeMode\":\"CPX\"}", null, 415, "unsupported-media-type" },
        { Put, "/api/v1/gpus/node-1/0/partitioning", "{\"computeMode\":\"CPX\"}", "application/x-www-form-urlencoded", 415, "unsupported-media-type" },
        { Post, "/api/v1/plan", "{}", "application/x-www-form-urlencoded", 415, "unsupported-media-type" },
        { Put, "/api/v1/gpus/node-1/0/partitioning", "{\"computeMode\":\"CPX\",\"pad\":\"" + new string('x', 1_000_000) + "\"}", "application/json", 413, "body-too-large" },
        // invalid combinations are well-formed but unsupported
        { Put, "/api/v1/gpus/node-1/0/partitioning", "{\"computeMode\":\"SPX\",\"memoryMode\":\"NPS4\"}", "application/json", 422, "invalid-combination" },
        { Put, "/api/v1/gpus/node-1/0/partitioning", "{\"computeMode\":\"TPX\"}", "application/json", 422, "invalid-combination" },
        { Put, "/api/v1/gpus/node-1/0/partitioning", "{\"computeMode\":\"CPX\",\"memoryMode\":\"NPS8\"}", "application/json", 422, "invalid-combination" },
        // route values
        { Put, "/api/v1/gpus/Node_1/0/partitioning", "{\"computeMode\":\"CPX\"}", "application/json", 400, "invalid-request" },
        { Put, "/api/v1/gpus/node-1/-1/partitioning", "{\"computeMode\":\"CPX\"}", "application/json", 400, "invalid-request" },
        { Put, "/api/v1/gpus/node-1/7/partitioning", "{\"computeMode\":\"CPX\"}", "application/json", 404, "gpu-not-found" },
        { Put, "/api/v1/gpus/no-such-node/0/partitioning", "{\"computeMode\":\"CPX\"}", "application/json", 404, "gpu-not-found" },
        { Get, "/api/v1/gpus/node-1/abc", null, null, 400, "invalid-request" },
        { Get, "/api/v1/gpus/node-1/99999999999", null, null, 400, "invalid-request" },
        { Get, "/api/v1/gpus/node-1/64", null, null, 400, "invalid-request" },
        { Get, "/api/v1/gpus/UPPER/0", null, null, 400, "invalid-request" },
        { Get, "/api/v1/gpus/" + new string('a', 300) + "/0", null, null, 400, "invalid-request" },
        { Get, "/api/v1/gpus/node-1/5", null, null, 404, "gpu-not-found" },
        { Get, "/api/v1/gpus/ghost/0", null, null, 404, "gpu-not-found" },
        { Get, "/api/v1/gpus/node-1/x/partitioning", null, null, 400, "invalid-request" },
        { Get, "/api/v1/gpus/node-1/1/partitioning", null, null, 404, "no-operation" },
        { Get, "/api/v1/nodes/Bad.Name-", null, null, 400, "invalid-request" },
        { Get, "/api/v1/nodes/ghost", null, null, 404, "node-not-found" },
        // PUT models: bodies
        { Put, Model, "{bad", Json, 400, "malformed-request" },
        { Put, Model, "{}", Json, 400, "invalid-request" },
        { Put, Model, "[]", Json, 400, "invalid-request" },
        { Put, Model, "{\"model\":\"\"}", Json, 400, "invalid-request" },
        { Put, Model, "{\"model\":\"qwen2.5-7b\",\"maxModelLen\":-5}", Json, 400, "invalid-request" },
        { Put, Model, "{\"model\":\"qwen2.5-7b\",\"maxNumSeqs\":0}", Json, 400, "invalid-request" },
        { Put, Model, "{\"model\":\"qwen2.5-7b\",\"kvCacheBytes\":-1}", Json, 400, "invalid-request" },
        { Put, Model, "{\"model\":\"qwen2.5-7b\",\"replicas\":0}", Json, 400, "invalid-request" },
        { Put, Model, "{\"model\":\"qwen2.5-7b\",\"replicas\":\"2\"}", Json, 400, "invalid-request" },
        { Put, Model, "{\"model\":\"qwen2.5-7b\",\"precision\":\"fp6\"}", Json, 400, "invalid-request" },
        { Put, Model, "{\"model\":\"qwen2.5-7b\",\"precision\":\"BF16\"}", Json, 400, "invalid-request" },
        { Put, Model, "{\"model\":\"qwen2.5-7b\",\"priority\":\"urgent\"}", Json, 400, "invalid-request" },
        { Put, Model, "{\"model\":\"qwen2.5-7b\",\"isolation\":\"private\"}", Json, 400, "invalid-request" },
        { Put, Model, "{\"model\":\"qwen2.5-7b\",\"maxTensorParallel\":3}", Json, 400, "invalid-request" },
        { Put, Model, "{\"model\":\"qwen2.5-7b\",\"node\":\"Bad_Node\"}", Json, 400, "invalid-request" },
        { Put, Model, "{\"model\":\"qwen2.5-7b\",\"replica\":2}", Json, 400, "invalid-request" },
        { Put, Model, "{\"model\":\"qwen2.5-7b\"}", "text/plain", 415, "unsupported-media-type" },
        // well-formed but not placeable as asked
        { Put, Model, "{\"model\":\"acme/unknown-13b\"}", Json, 422, "unprocessable-deployment" },
        { Put, Model, "{\"model\":\"qwen2.5-7b\",\"maxModelLen\":1000000}", Json, 422, "unprocessable-deployment" },
        // model route values
        { Put, "/api/v1/models/Team_A/qwen", "{\"model\":\"qwen2.5-7b\"}", Json, 400, "invalid-request" },
        { Put, "/api/v1/models/team-a/qwen.v2", "{\"model\":\"qwen2.5-7b\"}", Json, 400, "invalid-request" },
        { Put, "/api/v1/models/team-a/" + new string('q', 64), "{\"model\":\"qwen2.5-7b\"}", Json, 400, "invalid-request" },
        { Get, "/api/v1/models/team-a/ghost", null, null, 404, "model-not-found" },
        { Get, "/api/v1/models/team-a/-ghost", null, null, 400, "invalid-request" },
        { Put, "/api/v1/models/team-a/qwen.llminferenceservice", "{\"model\":\"qwen2.5-7b\"}", Json, 400, "invalid-request" },
        { Get, "/api/v1/models/team-a/qwen.llminferenceservice", null, null, 404, "model-not-found" },
        { Get, "/api/v1/models/team-a/-qwen.llminferenceservice", null, null, 400, "invalid-request" },
        { Get, "/api/v1/models/team-a/qwen.inferenceservice", null, null, 400, "invalid-request" },
        { Delete, "/api/v1/models/team-a/qwen.llminferenceservice", null, null, 404, "model-not-found" },
        { Get, "/api/v1/slo/team-a/qwen.llminferenceservice", null, null, 404, "model-not-found" },
        { Get, "/api/v1/models/UPPER", null, null, 400, "invalid-request" },
        { Delete, "/api/v1/models/team-a/ghost", null, null, 404, "model-not-found" },
        { Delete, "/api/v1/models/team-a/Ghost", null, null, 400, "invalid-request" },
        // plan
        { Post, "/api/v1/plan", "{bad", Json, 400, "malformed-request" },
        { Post, "/api/v1/plan", "{}", Json, 400, "invalid-request" },
        { Post, "/api/v1/plan", "{\"deployments\":[]}", Json, 400, "invalid-request" },
        { Post, "/api/v1/plan", "{\"deployments\":[{\"namespace\":\"a\",\"model\":\"qwen2.5-7b\"}]}", Json, 400, "invalid-request" },
        { Post, "/api/v1/plan", "{\"deployments\":[{\"namespace\":\"a\",\"name\":\"B\",\"model\":\"qwen2.5-7b\"}]}", Json, 400, "invalid-request" },
        { Post, "/api/v1/plan", "{\"deployments\":[{\"namespace\":\"a\",\"name\":\"b\",\"model\":\"qwen2.5-7b\",\"replicas\":0}]}", Json, 400, "invalid-request" },
        { Post, "/api/v1/plan", "{\"deployments\":[{\"namespace\":\"a\",\"name\":\"b\",\"model\":\"qwen2.5-7b\"}],\"fleet\":[]}", Json, 400, "invalid-request" },
        { Post, "/api/v1/plan", "{\"deployments\":[{\"namespace\":\"a\",\"name\":\"b\",\"model\":\"qwen2.5-7b\"}],\"fleet\":[{\"model\":\"MI300X\",\"count\":0}]}", Json, 400, "invalid-request" },
        { Post, "/api/v1/plan", "{\"deployments\":[{\"namespace\":\"a\",\"name\":\"b\",\"model\":\"qwen2.5-7b\"}],\"fleet\":[{\"model\":\"H100\",\"count\":4}]}", Json, 422, "unprocessable-plan" },
        { Post, "/api/v1/plan", "{\"deployments\":[{\"namespace\":\"a\",\"name\":\"b\",\"model\":\"acme/unknown-13b\"}]}", Json, 422, "unprocessable-deployment" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_input_is_a_4xx_problem_never_a_5xx(string method, string path, string? body, string? contentType, int status, string problem)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            if (contentType is not null)
            {
                request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
            }
        }

        var response = await fixture.Http.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.True((int)response.StatusCode == status, $"{method} {path} → {(int)response.StatusCode}, expected {status}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var details = JsonNode.Parse(text)!;
        Assert.Equal($"urn:gpu-sharing:problem:{problem}", details["type"]?.GetValue<string>());
        Assert.Equal(status, details["status"]?.GetValue<int>());
        Assert.False(string.IsNullOrWhiteSpace(details["title"]?.GetValue<string>()));
        if (status == 415)
        {
            Assert.Contains("Content-Type: application/json", details["detail"]?.GetValue<string>() ?? string.Empty, StringComparison.Ordinal);
        }
    }

    public static TheoryData<string, string, string> BadText => new()
    {
        { Put, "/api/v1/gpus/node-1/0/partitioning", "{\"computeMode\":\"\xc3\x28\"}" },
        { Put, "/api/v1/gpus/node-1/0/partitioning", "{\"computeMode\":\"\\ud800\"}" },
        { Put, Model, "{\"model\":\"\\ud800\"}" },
        { Put, Model, "{\"model\":\"qwen\xff\xfe\"}" },
        { Put, Model, "{\"\\udc00\":1}" },
        { Post, "/api/v1/plan", "{\"deployments\":[{\"namespace\":\"a\",\"name\":\"b\",\"model\":\"\\ud800\"}]}" },
        { Post, "/api/v1/plan", "{\"deployments\":[{\"namespace\":\"\xc0\x80\",\"name\":\"b\",\"model\":\"qwen2.5-7b\"}]}" },
    };

    // Bodies written as Latin-1 code points so that a test names bytes that are not UTF-8 (\xc3\x28 is not a character).
    [Theory]
    [MemberData(nameof(BadText))]
    public async Task Text_that_is_not_UTF8_or_an_unpaired_surrogate_is_a_400_never_a_500(string method, string path, string latin1Body)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = new ByteArrayContent(Encoding.Latin1.GetBytes(latin1Body)) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(Json);

        var response = await fixture.Http.SendAsync(request, TestContext.Current.CancellationToken);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("urn:gpu-sharing:problem:malformed-request", problem["type"]!.GetValue<string>());
        Assert.Contains("not valid UTF-8", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--served-model-name=evil")]
    [InlineData("-x")]
    [InlineData("qwen2.5-7b --trust-remote-code")]
    [InlineData("Qwen/Qwen2.5-7B\n--trust-remote-code")]
    [InlineData("Qwen/../../etc/passwd")]
    [InlineData("/models/qwen")]
    [InlineData("hf://Qwen/Qwen2.5-7B")]
    public async Task A_model_that_could_become_a_flag_or_a_path_of_the_model_server_is_refused(string model)
    {
        var response = await fixture.Http.PutAsJsonAsync(Model, new { model }, TestContext.Current.CancellationToken);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotNull(problem["errors"]!["model"]);
    }

    [Fact]
    public async Task An_architecture_whose_every_field_is_in_range_but_whose_product_is_beyond_any_GPU_is_a_422()
    {
        var response = await fixture.Http.PutAsJsonAsync(Model, new
        {
            model = "acme/enormous",
            maxModelLen = 10_000_000,
            maxNumSeqs = 4096,
            architecture = new { parametersBillions = 10_000, layers = 1000, kvHeads = 1024, headDim = 4096, defaultContext = 10_000_000 },
        }, TestContext.Current.CancellationToken);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;

        Assert.Equal((HttpStatusCode)422, response.StatusCode);
        Assert.Contains("no GPU holds that", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_property_name_is_echoed_at_most_a_line_of_it()
    {
        var key = new string('k', 60_000);
        using var content = new StringContent($"{{\"model\":\"qwen2.5-7b\",\"{key}\":1}}", Encoding.UTF8, Json);

        var response = await fixture.Http.PutAsync(Model, content, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(body.Length < 2_000, $"a 60 KB key came back in {body.Length} characters");
        Assert.Contains("Unknown property 'kkkk", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_chunked_body_without_a_length_is_still_limited()
    {
        var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes("{\"computeMode\":\"" + new string('C', 200_000) + "\"}")));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Put, "/api/v1/gpus/node-1/0/partitioning") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        var response = await fixture.Http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Field_errors_name_the_field_and_suggest_the_right_casing()
    {
        var response = await fixture.Http.PutAsJsonAsync("/api/v1/gpus/node-1/0/partitioning", new Dictionary<string, string> { ["computeMode"] = "cpx", ["MemoryMode"] = "NPS1" }, TestContext.Current.CancellationToken);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("did you mean 'CPX'?", problem["errors"]!["computeMode"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("Did you mean 'memoryMode'?", problem["errors"]!["MemoryMode"]![0]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("DELETE", "/api/v1/gpus", 405)]
    [InlineData("POST", "/api/v1/gpus/node-1/0/partitioning", 405)]
    [InlineData("GET", "/api/v1/nope", 404)]
    public async Task Unknown_routes_and_methods_are_problems_too(string method, string path, int status)
    {
        var response = await fixture.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path), TestContext.Current.CancellationToken);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task After_all_the_bad_input_nothing_changed_on_the_device()
    {
        var ct = TestContext.Current.CancellationToken;
        var gpus = JsonNode.Parse(await fixture.Http.GetStringAsync("/api/v1/gpus", ct))!.AsArray();
        var models = JsonNode.Parse(await fixture.Http.GetStringAsync("/api/v1/models", ct))!.AsArray();
        var device = await fixture.Device.ReadNodeAsync(ct);

        Assert.All(gpus, g => Assert.Equal("SPX", g!["computeMode"]!.GetValue<string>()));
        Assert.All(gpus, g => Assert.All(g!["partitions"]!.AsArray(), p => Assert.Empty(p!["reservations"]!.AsArray())));
        Assert.Empty(models);
        Assert.All(device.Gpus, g => Assert.Equal(ComputeMode.SPX, g.ComputeMode));
        Assert.Equal(MemoryMode.NPS1, device.MemoryMode);
    }
}
