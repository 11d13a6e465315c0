using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Nodes;

namespace GpuSharing.Cli.Gateway;

/// <summary>
/// The gateway's routes as the CLI uses them: JSON in and out, the bearer token on every request, a failure as a
/// <see cref="GatewayProblem"/> read from the problem details, an unreachable gateway as <see cref="GatewayUnreachable"/>.
/// </summary>
public sealed class GatewayClient(HttpClient http) : IDisposable
{
    public Uri Server => http.BaseAddress!;

    public static GatewayClient Create(Uri server, string? token, TimeSpan timeout, HttpMessageHandler? handler = null)
    {
        var http = (handler is null ? new HttpClient() : new HttpClient(handler));
        http.BaseAddress = server;
        http.Timeout = timeout;
        http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("gpushare", typeof(GatewayClient).Assembly.GetName().Version?.ToString(3) ?? "0"));
        if (token is { Length: > 0 })
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return new GatewayClient(http);
    }

    public Task<JsonNode> GetAsync(string path, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, path, null, cancellationToken);

    public Task<JsonNode> PutAsync(string path, JsonNode body, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Put, path, body, cancellationToken);

    public Task<JsonNode> PostAsync(string path, JsonNode body, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, path, body, cancellationToken);

    /// <summary>DELETE; a <see cref="GatewayProblem"/> unless the gateway answered with a success (404 included).</summary>
    public async Task DeleteAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await TransportAsync(() => http.DeleteAsync(path, cancellationToken));
        if (!response.IsSuccessStatusCode)
        {
            throw await GatewayProblem.ReadAsync(response, cancellationToken);
        }
    }

    /// <summary>
    /// POSTs an OpenAI chat request with <c>stream: true</c> and yields each content delta as it arrives (server-sent
    /// events, read line by line, never buffered to the end).
    /// </summary>
    public async IAsyncEnumerable<string> StreamChatAsync(JsonObject request, string? priority, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        request["stream"] = true;
        using var message = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Json(request) };
        if (priority is not null)
        {
            message.Headers.Add("X-Request-Priority", priority);
        }

        using var response = await TransportAsync(() => http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken));
        if (!response.IsSuccessStatusCode)
        {
            throw await GatewayProblem.ReadAsync(response, cancellationToken);
        }

        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken), Encoding.UTF8);
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (!line.StartsWith("data:", StringComparison.Ordinal))
            {
                continue;
            }

            var data = line[5..].Trim();
            if (data == "[DONE]")
            {
                yield break;
            }

            var chunk = JsonNode.Parse(data);
            if (chunk?["error"] is { } error)
            {
                throw new GatewayProblem(HttpStatusCode.BadGateway, "the model's server failed mid-answer", error["message"]?.ToString(), chunk);
            }

            if (chunk?["choices"]?[0]?["delta"]?["content"]?.ToString() is { Length: > 0 } content)
            {
                yield return content;
            }
        }
    }

    public void Dispose() => http.Dispose();

    private async Task<JsonNode> SendAsync(HttpMethod method, string path, JsonNode? body, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(method, path) { Content = body is null ? null : Json(body) };
        using var response = await TransportAsync(() => http.SendAsync(message, cancellationToken));
        if (!response.IsSuccessStatusCode)
        {
            throw await GatewayProblem.ReadAsync(response, cancellationToken);
        }

        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        return text.Length == 0 ? new JsonObject() : JsonNode.Parse(text)!;
    }

    private async Task<HttpResponseMessage> TransportAsync(Func<Task<HttpResponseMessage>> send)
    {
        try
        {
            return await send();
        }
        catch (HttpRequestException ex)
        {
            throw new GatewayUnreachable(Server, ex.Message, ex);
        }
        catch (TaskCanceledException ex) when (ex.InnerException is TimeoutException)
        {
            throw new GatewayUnreachable(Server, $"no answer within {http.Timeout.TotalSeconds:0} s", ex);
        }
    }

    private static StringContent Json(JsonNode body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");
}
