using System.Globalization;
using System.Text.Json.Nodes;

namespace GpuSharing.Gateway.Serving;

/// <summary>Errors in the OpenAI API's format (<c>{ "error": { "message", "type", "param", "code" } }</c>), which OpenAI clients parse.</summary>
public static class OpenAiErrors
{
    public static IResult Create(int status, string type, string code, string message, string? param = null, TimeSpan? retryAfter = null) =>
        new OpenAiErrorResult(status, new JsonObject
        {
            ["error"] = new JsonObject { ["message"] = message, ["type"] = type, ["param"] = param, ["code"] = code },
        }, retryAfter);

    private sealed class OpenAiErrorResult(int status, JsonObject body, TimeSpan? retryAfter) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = status;
            if (retryAfter is { } after)
            {
                httpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            }

            return httpContext.Response.WriteAsJsonAsync(body, httpContext.RequestAborted);
        }
    }
}
