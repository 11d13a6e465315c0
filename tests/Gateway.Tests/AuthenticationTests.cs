using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace GpuSharing.Gateway.Tests;

/// <summary>Outside the local default, mutating routes and the dashboard need the configured bearer token; reads do not.</summary>
public sealed class AuthenticationTests(AuthenticatedGatewayHostFixture fixture) : IClassFixture<AuthenticatedGatewayHostFixture>
{
    [Fact]
    public async Task With_a_token_configured_mutations_and_the_dashboard_require_it_and_reads_do_not()
    {
        var ct = TestContext.Current.CancellationToken;

        var anonymousPut = await fixture.Http.PutAsJsonAsync("/api/v1/gpus/node-1/0/partitioning", new { computeMode = "SPX" }, ct);
        var wrongToken = await SendAsync(HttpMethod.Put, "/api/v1/gpus/node-1/0/partitioning", "wrong", JsonContent.Create(new { computeMode = "SPX" }));
        var anonymousDashboard = await fixture.Http.GetAsync("/dashboard/", ct);
        var read = await fixture.Http.GetAsync("/api/v1/gpus", ct);
        var authorizedDashboard = await SendAsync(HttpMethod.Get, "/dashboard/", AuthenticatedGatewayHostFixture.Token, null);
        var authorizedPut = await SendAsync(HttpMethod.Put, "/api/v1/gpus/node-1/0/partitioning", AuthenticatedGatewayHostFixture.Token, JsonContent.Create(new { computeMode = "DPX" }));

        Assert.Equal(HttpStatusCode.Unauthorized, anonymousPut.StatusCode);
        Assert.Equal("application/problem+json", anonymousPut.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Bearer", anonymousPut.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongToken.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymousDashboard.StatusCode);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(HttpStatusCode.OK, authorizedDashboard.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, authorizedPut.StatusCode);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string token, HttpContent? content)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await fixture.Http.SendAsync(request, TestContext.Current.CancellationToken);
    }
}
