using System.Diagnostics;
using Azure;
using GpuSharing.Grains.Interfaces.Nodes;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Orleans.Serialization;
using Orleans.Storage;

namespace GpuSharing.Gateway.Http;

/// <summary>
/// Turns exceptions into problem details that say what the caller can do and nothing of the internals (no silo
/// addresses, no exception text): a caller's mistake (a bad body) keeps its 4xx; a cluster or storage that cannot be
/// reached, or a connection lost mid-request, is 503 with <c>Retry-After</c>; a grain call that timed out is 504;
/// anything else is a 500. Every 5xx carries the request's <c>traceId</c>, and the log line with the same id has the
/// exception.
/// </summary>
public sealed partial class GatewayExceptionHandler(IProblemDetailsService problems, ILogger<GatewayExceptionHandler> logger) : IExceptionHandler
{
    private const string Unavailable = "The control plane cannot complete requests right now (a silo or its storage is unreachable). Every PUT and DELETE is idempotent: retry after the time given.";

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
            ClusterConnectionLostException => (StatusCodes.Status503ServiceUnavailable, "cluster-connection-lost", "The connection to the control plane was lost.", "A silo went away while the request was in flight; it may or may not have taken effect. Every PUT and DELETE is idempotent: retry it."),
            TimeoutException => (StatusCodes.Status504GatewayTimeout, "timeout", "The control plane did not answer in time.", "The grain call timed out; the operation may still complete. Retry the read."),
            _ when IsUnavailable(exception) => (StatusCodes.Status503ServiceUnavailable, "cluster-unavailable", "The control plane cannot be reached.", Unavailable),
            _ => (StatusCodes.Status500InternalServerError, "internal", "The gateway failed.", "An unexpected error occurred; it was logged with this request's traceId."),
        };

        if (status >= 500)
        {
            LogFailed(logger, exception, httpContext.Request.Method, httpContext.Request.Path, Activity.Current?.Id ?? httpContext.TraceIdentifier, status);
        }

        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            httpContext.Response.Headers.RetryAfter = "5";
        }

        httpContext.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = new ProblemDetails { Status = status, Type = Problems.TypePrefix + slug, Title = title, Detail = detail },
        });
    }

    /// <summary>
    /// A silo, a connection or grain storage that is not there. Storage exceptions may arrive as types the gateway
    /// cannot load (Azure Table's, thrown in the silo): those are recognised by name.
    /// </summary>
    public static bool IsUnavailable(Exception exception) => exception switch
    {
        SiloUnavailableException or OrleansMessageRejectionException or Orleans.Runtime.Messaging.ConnectionFailedException or NodeUnreachableException => true,
        InconsistentStateException or RequestFailedException => true,
        UnavailableExceptionFallbackException fallback => fallback.ExceptionType is { } type
            && (type.Contains("Storage", StringComparison.Ordinal) || type.Contains("RequestFailed", StringComparison.Ordinal) || type.Contains("Azure", StringComparison.Ordinal)
                || type.Contains("SiloUnavailable", StringComparison.Ordinal) || type.Contains("Connection", StringComparison.Ordinal)),
        OrleansException when exception.InnerException is { } inner => IsUnavailable(inner),
        AggregateException aggregate => aggregate.InnerExceptions.Any(IsUnavailable),
        _ => exception.InnerException is { } cause && IsUnavailable(cause),
    };

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} {Path} failed with {Status} (trace {TraceId})")]
    private static partial void LogFailed(ILogger logger, Exception exception, string method, string path, string traceId, int status);
}
