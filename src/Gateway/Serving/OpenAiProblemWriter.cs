using System.Text.Json.Nodes;
using GpuSharing.Gateway.Http;
using Microsoft.Extensions.Options;

namespace GpuSharing.Gateway.Serving;

/// <summary>
/// On the OpenAI-compatible routes (<c>/v1/…</c>) the errors the framework writes itself — 401 without the token, 404
/// and 405 from routing, 415 for a body that is not JSON — use the OpenAI error format too, so that an OpenAI client
/// reads every error of that path the same way. Everywhere else the default writer writes problem details.
/// </summary>
public sealed class OpenAiProblemWriter(IOptions<ProblemDetailsOptions> options) : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) => context.HttpContext.Request.Path.StartsWithSegments("/v1", StringComparison.Ordinal);

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        options.Value.CustomizeProblemDetails?.Invoke(context);
        var problem = context.ProblemDetails;
        var status = problem.Status ?? context.HttpContext.Response.StatusCode;
        var code = (problem.Type ?? string.Empty).Replace(Problems.TypePrefix, string.Empty, StringComparison.Ordinal).Replace('-', '_');
        var body = new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["message"] = problem.Detail ?? problem.Title ?? $"HTTP {status}",
                ["type"] = status >= 500 ? "server_error" : "invalid_request_error",
                ["param"] = null,
                ["code"] = string.IsNullOrEmpty(code) ? $"http_{status}" : code,
            },
        };
        return new ValueTask(context.HttpContext.Response.WriteAsJsonAsync(body, context.HttpContext.RequestAborted));
    }
}
