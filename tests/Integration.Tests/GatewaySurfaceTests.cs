using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace GpuSharing.Integration.Tests;

/// <summary>The gateway's non-API surface: OpenAPI, health, the dashboard.</summary>
public sealed class GatewaySurfaceTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task The_OpenAPI_document_describes_the_GPU_and_node_routes()
    {
        var document = await fixture.Cluster.GetJsonAsync("/openapi/v1.json");
        var paths = document["paths"]!.AsObject().Select(p => p.Key).ToList();

        Assert.Equal("GPU sharing control plane", document["info"]!["title"]!.GetValue<string>());
        Assert.Contains("/api/v1/gpus", paths);
        Assert.Contains("/api/v1/gpus/{node}/{index}", paths);
        Assert.Contains("/api/v1/gpus/{node}/{index}/partitioning", paths);
        Assert.Contains("/api/v1/nodes/{node}", paths);
        Assert.NotNull(document["paths"]!["/api/v1/gpus/{node}/{index}/partitioning"]!["put"]);
        Assert.DoesNotContain(paths, p => p.StartsWith("/dashboard", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Every_route_that_takes_a_body_documents_its_schema()
    {
        var document = await fixture.Cluster.GetJsonAsync("/openapi/v1.json");
        var withBody = document["paths"]!.AsObject()
            .SelectMany(path => path.Value!.AsObject().Where(o => o.Key is "put" or "post" or "patch").Select(o => (Route: $"{o.Key.ToUpperInvariant()} {path.Key}", Operation: o.Value!)))
            .ToList();

        Assert.Contains(withBody, o => o.Route == "PUT /api/v1/models/{namespace}/{name}");
        Assert.Contains(withBody, o => o.Route == "POST /api/v1/plan");
        Assert.Contains(withBody, o => o.Route == "PUT /api/v1/gpus/{node}/{index}/partitioning");
        foreach (var (route, operation) in withBody)
        {
            var schema = operation["requestBody"]?["content"]?["application/json"]?["schema"];
            Assert.True(schema is not null, $"{route} has no application/json request schema");
            var reference = schema!["$ref"]?.GetValue<string>();
            var properties = reference is null ? schema["properties"] : document["components"]!["schemas"]![reference.Split('/')[^1]]!["properties"];
            Assert.True(properties is JsonObject { Count: > 0 }, $"{route}'s request schema names no properties");
        }
    }

    [Fact]
    public async Task Health_endpoints_answer()
    {
        var live = await fixture.Cluster.Http.GetAsync("/healthz", TestContext.Current.CancellationToken);
        var ready = await fixture.Cluster.Http.GetAsync("/readyz", TestContext.Current.CancellationToken);

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (live.StatusCode, ready.StatusCode));
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task The_dashboard_page_and_its_data_load()
    {
        var redirect = await fixture.Cluster.Http.GetAsync("/dashboard", TestContext.Current.CancellationToken);
        var page = await fixture.Cluster.Http.GetStringAsync("/dashboard/", TestContext.Current.CancellationToken);
        var counters = JsonNode.Parse(await fixture.Cluster.Http.GetStringAsync("/dashboard/DashboardCounters", TestContext.Current.CancellationToken))!;

        Assert.Equal(HttpStatusCode.OK, redirect.StatusCode); // HttpClient follows the 301 to /dashboard/
        Assert.Contains("<title>Orleans Dashboard</title>", page, StringComparison.Ordinal);
        Assert.NotEmpty(counters["hosts"]!.AsArray());
    }

    [Fact]
    public async Task Without_a_token_in_the_local_default_the_API_does_not_ask_for_one()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/nodes");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "anything");

        var response = await fixture.Cluster.Http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
