using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace GpuSharing.Gateway.Http;

/// <summary>
/// Turns exceptions into problem details: a caller's mistake (a bad body) keeps its 4xx; a cluster that cannot be
/// reached is 503, a grain call that timed out 504; anything else is a 500 that says nothing of the internals.
/// </summary>
public sealed partial class GatewayExceptionHandler(IProblemDetailsService problems, ILogger<GatewayExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, slug, title, detail) = exception switch
        {
            BadHttpRequestException bad => (bad.StatusCode, bad.StatusCode switch
            {
                StatusCodes.Status413PayloadTooLarge => "body-too-large",
                StatusCodes.Status415UnsupportedMediaType => "unsupported-media-type",
                _ => "malformed-request",
            }, "The request could not be read.", bad.Message),
            Hosting.ClusterConnectionLostException => (StatusCodes.Status503ServiceUnavailable, "cluster-connection-lost", "The connection to the control plane was lost.", "A silo went away while the request was in flight; it may or may not have taken effect. Every PUT and DELETE is idempotent: retry it."),
            TimeoutException => (StatusCodes.Status504GatewayTimeout, "timeout", "The control plane did not answer in time.", "The grain call timed out; the operation may still complete. Retry the read."),
            SiloUnavailableException or OrleansMessageRejectionException or Orleans.Runtime.Messaging.ConnectionFailedException =>
                (StatusCodes.Status503ServiceUnavailable, "cluster-unavailable", "The control plane cannot be reached.", exception.Message),
            _ => (StatusCodes.Status500InternalServerError, "internal", "The gateway failed.", "An unexpected error occurred; it was logged."),
        };

        if (status >= 500)
        {
            LogFailed(logger, exception, httpContext.Request.Method, httpContext.Request.Path);
        }

        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            httpContext.Response.Headers.RetryAfter = "5";
        }

        httpContext.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new ProblemDetails { Status = status, Type = Problems.TypePrefix + slug, Title = title, Detail = detail },
        });
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} {Path} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, string method, string path);
}
