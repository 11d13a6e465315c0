using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using GpuSharing.Gateway.Configuration;
using GpuSharing.Gateway.Http;
using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Interfaces.Slo;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace GpuSharing.Gateway.Serving;

/// <summary>
/// One OpenAI request from arrival to the last byte: read the body for its <c>model</c>, find the deployment, pass
/// admission, pick the replica with the fewest requests in flight, name the model as that server knows it, proxy
/// (YARP, nothing buffered), and record what the caller saw for the SLO: time to first byte, time per token (one
/// server-sent event per token), end to end, served or not. Sheds and failures are recorded as not served; a
/// backend's 4xx (the caller's mistake) is not an SLO event.
/// </summary>
public sealed class OpenAiProxy(
    ServingRoutes routes,
    IHttpForwarder forwarder,
    ServingHttpClient client,
    SloRecorder recorder,
    ServingMetrics metrics,
    IOptions<ServingOptions> options,
    IGrainFactory grains,
    TimeProvider time)
{
    public const string DeadlineHeader = "X-Request-Deadline-Ms";

    /// <summary>A request's own class (<c>high</c>, <c>medium</c>, <c>low</c>); without it, its deployment's priority.</summary>
    public const string PriorityHeader = "X-Request-Priority";

    private static readonly ForwarderRequestConfig ProxyConfig = new() { ActivityTimeout = TimeSpan.FromMinutes(10) };

    public async Task<IResult> HandleAsync(HttpContext context)
    {
        var arrived = time.GetTimestamp();
        var settings = options.Value;
        var request = context.Request;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType) || mediaType.MediaType != "application/json")
        {
            return OpenAiErrors.Create(415, "invalid_request_error", "unsupported_media_type", "Send the request as JSON (Content-Type: application/json).");
        }

        var (body, raw, error) = await ReadAsync(request, settings.MaxRequestBodyBytes);
        if (error is not null)
        {
            return error;
        }

        if (body!["model"] is not JsonValue model || model.GetValueKind() != JsonValueKind.String)
        {
            return OpenAiErrors.Create(400, "invalid_request_error", "missing_model", "'model' is required: a deployment's namespace/name (GET /v1/models lists them).", "model");
        }

        var name = model.GetValue<string>();
        var (route, ambiguous) = routes.Find(name);
        if (route is null)
        {
            return ambiguous.Count > 0
                ? OpenAiErrors.Create(400, "invalid_request_error", "ambiguous_model", $"Several deployments serve '{Shorten(name)}': {string.Join(", ", ambiguous)}. Name one as namespace/name.", "model")
                : await NotServedAsync(name, context.RequestAborted);
        }

        if (!TryDeadline(request, settings, out var deadline))
        {
            return OpenAiErrors.Create(400, "invalid_request_error", "invalid_deadline", $"{DeadlineHeader} must be a whole number of milliseconds from 1 to 3600000.");
        }

        if (!TryPriority(request, route.Priority, out var priority))
        {
            return OpenAiErrors.Create(400, "invalid_request_error", "invalid_priority", $"{PriorityHeader} must be one of high, medium, low.");
        }

        if (!route.Routable)
        {
            Record(route, priority, arrived, "unroutable");
            return OpenAiErrors.Create(503, "server_error", "model_not_routable", $"{route.Deployment} has no replica that answers yet; try again shortly.", retryAfter: TimeSpan.FromSeconds(2));
        }

        using var admission = settings.Admission
            ? await route.Admission.EnterAsync(priority, deadline, context.RequestAborted)
            : new Admission(AdmissionOutcome.Admitted, null);
        switch (admission.Outcome)
        {
            case AdmissionOutcome.Shed:
                Record(route, priority, arrived, "shed");
                return OpenAiErrors.Create(429, "rate_limit_exceeded", "shed", $"{route.Deployment} is overloaded; requests of class '{WireNames.Of(priority)}' are shed first. Retry later.", retryAfter: TimeSpan.FromSeconds(1));
            case AdmissionOutcome.DeadlineExceeded:
                Record(route, priority, arrived, "deadline_exceeded");
                return OpenAiErrors.Create(429, "rate_limit_exceeded", "deadline_exceeded", $"The request waited for {route.Deployment} until its deadline.", retryAfter: TimeSpan.FromSeconds(1));
            case AdmissionOutcome.Cancelled:
                return Results.Empty;
        }

        if (route.Pick() is not { } target)
        {
            Record(route, priority, arrived, "unroutable");
            return OpenAiErrors.Create(503, "server_error", "model_not_routable", $"{route.Deployment} lost its last answering replica; try again shortly.", retryAfter: TimeSpan.FromSeconds(2));
        }

        return await ForwardAsync(context, route, target, body, raw!, arrived, priority, settings);
    }

    // A deployment that exists but has no endpoint yet (pending, or its servers still starting) is unroutable, not
    // unknown: 503 tells a client to retry where 404 would tell it to give up. Only names shaped as a deployment key
    // reach the grain, so a flood of made-up names costs no more than the REST API's own reads.
    private async Task<IResult> NotServedAsync(string name, CancellationToken cancellationToken)
    {
        if (RouteValues.AsDeploymentKey(name) is { } key
            && await grains.GetGrain<IModelGrain>(key).GetAsync().WaitAsync(cancellationToken) is { } deployment)
        {
            var why = deployment.Status == ModelStatus.Pending
                ? $"{key} is Pending: no replica is placed (GET /api/v1/models/{key}/explain says why)"
                : $"{key} is {deployment.Status} but none of its servers has reported an endpoint yet";
            return OpenAiErrors.Create(503, "server_error", "model_not_routable", $"{why}; try again shortly.", retryAfter: TimeSpan.FromSeconds(5));
        }

        return OpenAiErrors.Create(404, "invalid_request_error", "model_not_found", $"No deployment serves '{Shorten(name)}'. GET /v1/models lists the routable ones.", "model");
    }

    private async Task<IResult> ForwardAsync(HttpContext context, DeploymentRoute route, ReplicaTarget target, JsonObject body, byte[] raw, long arrived, Priority priority, ServingOptions settings)
    {
        // The server knows the model by its own name: the body says that name, whatever name the caller used (the
        // bytes as they came when it already does).
        var bytes = raw;
        var rewrite = false;
        if (body["model"]!.GetValue<string>() != target.Endpoint.ServedModel)
        {
            body["model"] = target.Endpoint.ServedModel;
            rewrite = true;
        }

        // A server that schedules by priority (vLLM's --scheduling-policy priority: lower first) gets the class.
        if (target.SchedulesByPriority && settings.Admission)
        {
            body["priority"] = ServerPriority(priority);
            rewrite = true;
        }

        if (rewrite)
        {
            bytes = JsonSerializer.SerializeToUtf8Bytes(body);
        }

        context.Request.Body = new MemoryStream(bytes, writable: false);
        context.Request.ContentLength = bytes.Length;
        var original = context.Response.Body;
        var meter = new ResponseMeter(original, time);
        context.Response.Body = meter;
        ForwarderError outcome;
        using (var forwarding = target.Carry())
        {
            try
            {
                outcome = await forwarder.SendAsync(context, target.Endpoint.Url, client.Invoker, ProxyConfig, HttpTransformer.Default);
            }
            finally
            {
                context.Response.Body = original;
            }

            if (context.Response.StatusCode >= 400 || meter.FirstByteAt is null)
            {
                forwarding.NotCountedByServer(); // no first token: the server's TTFT histogram never saw it
            }
        }

        var status = context.Response.StatusCode;
        if (outcome is ForwarderError.Request or ForwarderError.RequestTimedOut or ForwarderError.RequestBodyDestination)
        {
            target.Failed(options.Value.UnhealthyAfter);
        }

        if (outcome == ForwarderError.None && status is >= 400 and < 500)
        {
            metrics.Outcome(route.Deployment, priority, "rejected");
            return Results.Empty; // the caller's mistake, as the backend said: not an SLO event
        }

        var served = outcome == ForwarderError.None && status < 500;
        var end = time.GetTimestamp();
        var firstAt = meter.FirstByteAt ?? end;
        double? tpot = meter.DataEvents > 1 ? time.GetElapsedTime(firstAt, end).TotalMilliseconds / (meter.DataEvents - 1) : null;
        var ttft = time.GetElapsedTime(arrived, firstAt);
        var endToEnd = time.GetElapsedTime(arrived, end);
        recorder.Record(route.Deployment, new SloSample(time.GetUtcNow(), ttft.TotalMilliseconds, tpot, endToEnd.TotalMilliseconds, served));
        metrics.Outcome(route.Deployment, priority, served ? "served" : "failed");
        if (served)
        {
            metrics.Served(route.Deployment, priority, ttft.TotalSeconds, tpot / 1000, endToEnd.TotalSeconds);
        }
        if (outcome != ForwarderError.None && !context.Response.HasStarted)
        {
            return OpenAiErrors.Create(502, "server_error", "backend_unavailable", $"The replica of {route.Deployment} did not answer ({outcome}).");
        }

        return Results.Empty;
    }

    /// <summary>A request that was not served: an SLO miss and an outcome.</summary>
    private void Record(DeploymentRoute route, Priority priority, long arrived, string outcome)
    {
        var elapsed = time.GetElapsedTime(arrived).TotalMilliseconds;
        recorder.Record(route.Deployment, new SloSample(time.GetUtcNow(), elapsed, null, elapsed, Served: false));
        metrics.Outcome(route.Deployment, priority, outcome);
    }

    private static async Task<(JsonObject? Body, byte[]? Raw, IResult? Error)> ReadAsync(HttpRequest request, int maxBytes)
    {
        if (request.ContentLength > maxBytes)
        {
            return (null, null, OpenAiErrors.Create(413, "invalid_request_error", "request_too_large", $"The body is larger than the {maxBytes} bytes accepted."));
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                return (null, null, OpenAiErrors.Create(413, "invalid_request_error", "request_too_large", $"The body is larger than the {maxBytes} bytes accepted."));
            }

            buffer.Write(chunk, 0, read);
        }

        try
        {
            // Duplicate keys are refused here: a lazily parsed object would fail on first access, beyond this catch.
            var raw = buffer.ToArray();
            return JsonNode.Parse(raw, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false }) is JsonObject body
                ? (body, raw, null)
                : (null, null, OpenAiErrors.Create(400, "invalid_request_error", "invalid_json", "The body must be a JSON object."));
        }
        catch (JsonException ex)
        {
            return (null, null, OpenAiErrors.Create(400, "invalid_request_error", "invalid_json", $"The body is not valid JSON: {ex.Message}"));
        }
    }

    private bool TryDeadline(HttpRequest request, ServingOptions settings, out DateTimeOffset deadline)
    {
        deadline = time.GetUtcNow() + settings.QueueTimeout;
        if (!request.Headers.TryGetValue(DeadlineHeader, out var values))
        {
            return true;
        }

        if (values.Count == 1 && int.TryParse(values[0], NumberStyles.None, CultureInfo.InvariantCulture, out var milliseconds) && milliseconds is >= 1 and <= 3_600_000)
        {
            deadline = time.GetUtcNow() + TimeSpan.FromMilliseconds(milliseconds);
            return true;
        }

        return false;
    }

    /// <summary>vLLM's request priority: lower is served first; a request without one counts as 0.</summary>
    private static int ServerPriority(Priority priority) => priority switch
    {
        Priority.High => 0,
        Priority.Medium => 1,
        _ => 2,
    };

    private static bool TryPriority(HttpRequest request, Priority deployment, out Priority priority)
    {
        priority = deployment;
        if (!request.Headers.TryGetValue(PriorityHeader, out var values))
        {
            return true;
        }

        var named = values.Count == 1 ? WireNames.Priorities.FirstOrDefault(p => p.Name == values[0]) : default;
        priority = named.Value;
        return named.Name is not null;
    }

    private static string Shorten(string text) => text.Length <= 120 ? text : text[..120] + "…";
}
