using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace GpuSharing.Benchmarks.Serving;

/// <summary>
/// Sends each request straight to the server of the deployment its <c>model</c> names, renamed as that server knows
/// it: the load generator's requests with no gateway in between, for the baselines.
/// </summary>
public sealed class DirectRouter(IReadOnlyDictionary<string, (Uri Url, string ServedModel)> servers) : DelegatingHandler(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue })
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = JsonNode.Parse(await request.Content!.ReadAsStringAsync(cancellationToken))!.AsObject();
        var (url, served) = servers[body["model"]!.GetValue<string>()];
        body["model"] = served;
        request.RequestUri = new Uri(url, request.RequestUri!.PathAndQuery);
        request.Content = new StringContent(body.ToJsonString(), new MediaTypeHeaderValue("application/json"));
        return await base.SendAsync(request, cancellationToken);
    }
}
