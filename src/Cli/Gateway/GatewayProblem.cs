using System.Net;
using System.Text.Json.Nodes;

namespace GpuSharing.Cli.Gateway;

/// <summary>
/// An answer that was not a success, read from its RFC 7807 problem details (or the OpenAI error format): what to
/// print, and the exit code it stands for.
/// </summary>
public sealed class GatewayProblem(HttpStatusCode status, string title, string? detail, JsonNode? body) : Exception(detail is null ? title : $"{title}: {detail}")
{
    public HttpStatusCode Status { get; } = status;

    public string Title { get; } = title;

    public string? Detail { get; } = detail;

    /// <summary>The whole answer, e.g. a 409's <c>blockers</c> or a 400's <c>errors</c>.</summary>
    public JsonNode? Body { get; } = body;

    public int ExitCode => (int)Status switch
    {
        400 or 413 or 415 or 422 => ExitCodes.InvalidInput,
        401 or 403 => ExitCodes.Unauthorized,
        404 => ExitCodes.NotFound,
        409 or 429 or 503 => ExitCodes.Busy,
        _ => ExitCodes.Failed,
    };

    /// <summary>What went wrong in lines a person reads: the title, the detail, then each field's errors and each blocker.</summary>
    public IEnumerable<string> Lines()
    {
        yield return $"{(int)Status} {Title}";
        if (Detail is { Length: > 0 } && Detail != Title)
        {
            yield return Detail;
        }

        if (Body?["errors"] is JsonObject errors)
        {
            foreach (var (field, messages) in errors)
            {
                foreach (var message in messages is JsonArray list ? list.Select(m => m?.ToString()) : [messages?.ToString()])
                {
                    yield return $"  {field}: {message}";
                }
            }
        }

        if (Body?["blockers"] is JsonArray blockers)
        {
            foreach (var blocker in blockers)
            {
                yield return $"  blocked by {blocker?["kind"]}: {blocker?["detail"] ?? blocker?["description"]}";
            }
        }
    }

    public static async Task<GatewayProblem> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        JsonNode? body = null;
        try
        {
            body = text.Length > 0 ? JsonNode.Parse(text) : null;
        }
        catch (System.Text.Json.JsonException)
        {
            // Not JSON (a proxy's HTML page): the status and the text say enough.
        }

        var title = body?["title"]?.ToString() ?? body?["error"]?["type"]?.ToString() ?? response.ReasonPhrase ?? response.StatusCode.ToString();
        var detail = body?["detail"]?.ToString() ?? body?["error"]?["message"]?.ToString() ?? (body is null && text.Length > 0 ? Truncate(text) : null);
        return new GatewayProblem(response.StatusCode, title, detail, body);
    }

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
