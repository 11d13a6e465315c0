using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace GpuSharing.Gateway.Tests;

/// <summary>The gateway's web host in process: health, the OpenAPI contract, and a deployment from PUT to DELETE through real grains.</summary>
public sealed class GatewayHostTests(GatewayHostFixture fixture) : IClassFixture<GatewayHostFixture>
{
    [Fact]
    public async Task The_host_is_live_and_ready_while_the_cluster_answers()
    {
        var ct = TestContext.Current.CancellationToken;

        var live = await fixture.Http.GetAsync("/healthz", ct);
        var ready = await fixture.Http.GetAsync("/readyz", ct);

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (live.StatusCode, ready.StatusCode));
    }

    [Fact]
    public async Task The_OpenAPI_document_names_every_route_of_the_external_contract()
    {
        var document = JsonNode.Parse(await fixture.Http.GetStringAsync("/openapi/v1.json", TestContext.Current.CancellationToken))!;
        var paths = document["paths"]!.AsObject().Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
        var expected = new HashSet<string>(StringComparer.Ordinal)
        {
            "/api/v1/gpus", "/api/v1/gpus/{node}/{index}", "/api/v1/gpus/{node}/{index}/partitioning", "/api/v1/nodes",
            "/api/v1/models", "/api/v1/models/{namespace}/{name}", "/api/v1/plan", "/api/v1/kserve",
        };

        Assert.True(expected.IsSubsetOf(paths), $"missing: {string.Join(", ", expected.Except(paths))}; served: {string.Join(", ", paths)}");
        Assert.Equal("GPU sharing control plane", document["info"]!["title"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_deployment_put_through_the_host_is_placed_by_the_grains_and_deleted_again()
    {
        var ct = TestContext.Current.CancellationToken;
        const string path = "/api/v1/models/host-tests/qwen";

        var created = await fixture.Http.PutAsJsonAsync(path, new { model = "qwen2.5-0.5b", priority = "low" }, ct);
        var again = await fixture.Http.PutAsJsonAsync(path, new { model = "qwen2.5-0.5b", priority = "low" }, ct);
        var placed = await Eventually.UntilAsync(
            async token => JsonNode.Parse(await fixture.Http.GetStringAsync(path, token))!,
            view => view["status"]?.GetValue<string>() == "Placed",
            TimeSpan.FromSeconds(30),
            view => $"never placed: {view}",
            cancellationToken: ct);
        var deleted = await fixture.Http.DeleteAsync(path, ct);
        var gone = await fixture.Http.GetAsync(path, ct);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal($"/api/v1/models/host-tests/qwen", created.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal("node-1", placed["placements"]![0]!["node"]!.GetValue<string>());
        Assert.True(deleted.IsSuccessStatusCode, $"DELETE answered {(int)deleted.StatusCode}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal("application/problem+json", gone.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_body_without_a_content_type_is_a_415_that_names_the_type_it_wants()
    {
        using var content = new ByteArrayContent("{\"computeMode\":\"CPX\"}"u8.ToArray());

        var response = await fixture.Http.PutAsync("/api/v1/gpus/node-1/0/partitioning", content, TestContext.Current.CancellationToken);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains("Content-Type: application/json", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
