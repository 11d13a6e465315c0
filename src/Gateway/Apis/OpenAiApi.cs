using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using GpuSharing.Gateway.Configuration;
using GpuSharing.Gateway.Security;
using GpuSharing.Gateway.Serving;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace GpuSharing.Gateway.Apis;

/// <summary>
/// The OpenAI-compatible request path: <c>GET /v1/models</c> lists the routable deployments; <c>POST
/// /v1/chat/completions</c> and <c>/v1/completions</c> are routed by their <c>model</c> field (a deployment's
/// <c>{namespace}/{name}</c>, or the model name its servers know) through the deployment's admission to the replica
/// with the fewest requests in flight, and proxied by YARP: the response — server-sent events included — is passed on
/// as it arrives, never buffered, and the backend's errors as they are. Errors of the gateway's own are in the OpenAI
/// format; a request shed by admission is a 429 with <c>Retry-After</c>. A request may bring its deadline as
/// <c>X-Request-Deadline-Ms</c> (milliseconds from now): it leaves the queue when the deadline passes.
/// </summary>
public static class OpenAiApi
{
    public const string DeadlineHeader = "X-Request-Deadline-Ms";

    private static readonly ForwarderRequestConfig ProxyConfig = new() { ActivityTimeout = TimeSpan.FromMinutes(10) };

    public static RouteGroupBuilder MapOpenAiApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1").WithTags("OpenAI").RequireAuthorization(AuthorizationPolicies.Operator);
        group.MapGet("/models", ListModels).WithName("ListServedModels").WithSummary("The deployments with at least one replica that answers (OpenAI list format).");
        group.MapPost("/chat/completions", (HttpContext context, ServingRoutes routes, IHttpForwarder forwarder, ServingHttpClient client, IOptions<ServingOptions> options, TimeProvider time) =>
                ProxyAsync(context, routes, forwarder, client, options.Value, time))
            .WithName("ChatCompletions").WithSummary("OpenAI chat completions, routed by model to a replica; streams when asked.");
        group.MapPost("/completions", (HttpContext context, ServingRoutes routes, IHttpForwarder forwarder, ServingHttpClient client, IOptions<ServingOptions> options, TimeProvider time) =>
                ProxyAsync(context, routes, forwarder, client, options.Value, time))
            .WithName("Completions").WithSummary("OpenAI completions, routed by model to a replica; streams when asked.");
        return group;
    }

    public static IResult ListModels(ServingRoutes routes) =>
        Results.Json(new JsonObject
        {
            ["object"] = "list",
            ["data"] = new JsonArray([.. routes.All.Where(r => r.Routable).OrderBy(r => r.Deployment, StringComparer.Ordinal).Select(r => (JsonNode)new JsonObject
            {
                ["id"] = r.Deployment,
                ["object"] = "model",
                ["owned_by"] = "gpu-sharing",
                ["root"] = r.Replicas[0].Endpoint.ServedModel,
                ["priority"] = r.Priority.ToString().ToLowerInvariant(),
                ["replicas"] = r.Replicas.Count(t => t.Healthy),
            })]),
        });

    private static async Task<IResult> ProxyAsync(HttpContext context, ServingRoutes routes, IHttpForwarder forwarder, ServingHttpClient client, ServingOptions options, TimeProvider time)
    {
        var request = context.Request;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType) || mediaType.MediaType != "application/json")
        {
            return OpenAiErrors.Create(415, "invalid_request_error", "unsupported_media_type", "Send the request as JSON (Content-Type: application/json).");
        }

        var (body, error) = await ReadAsync(request, options.MaxRequestBodyBytes);
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
                : OpenAiErrors.Create(404, "invalid_request_error", "model_not_found", $"No deployment serves '{Shorten(name)}'. GET /v1/models lists the routable ones.", "model");
        }

        if (!route.Routable)
        {
            return OpenAiErrors.Create(503, "server_error", "model_not_routable", $"{route.Deployment} has no replica that answers yet; try again shortly.", retryAfter: TimeSpan.FromSeconds(2));
        }

        if (!TryDeadline(request, options, time, out var deadline))
        {
            return OpenAiErrors.Create(400, "invalid_request_error", "invalid_deadline", $"{DeadlineHeader} must be a whole number of milliseconds from 1 to 3600000.");
        }

        using var admission = await route.Admission.EnterAsync(route.Priority, deadline, context.RequestAborted);
        switch (admission.Outcome)
        {
            case AdmissionOutcome.Shed:
                return OpenAiErrors.Create(429, "rate_limit_exceeded", "shed", $"{route.Deployment} is overloaded; requests of class '{route.Priority.ToString().ToLowerInvariant()}' are shed first. Retry later.", retryAfter: TimeSpan.FromSeconds(1));
            case AdmissionOutcome.DeadlineExceeded:
                return OpenAiErrors.Create(429, "rate_limit_exceeded", "deadline_exceeded", $"The request waited for {route.Deployment} until its deadline.", retryAfter: TimeSpan.FromSeconds(1));
            case AdmissionOutcome.Cancelled:
                return Results.Empty;
        }

        if (route.Pick() is not { } target)
        {
            return OpenAiErrors.Create(503, "server_error", "model_not_routable", $"{route.Deployment} lost its last answering replica; try again shortly.", retryAfter: TimeSpan.FromSeconds(2));
        }

        // The server knows the model by its own name: the body says that name, whatever name the caller used.
        body["model"] = target.Endpoint.ServedModel;
        var bytes = JsonSerializer.SerializeToUtf8Bytes(body);
        request.Body = new MemoryStream(bytes, writable: false);
        request.ContentLength = bytes.Length;
        using (target.Carry())
        {
            var outcome = await forwarder.SendAsync(context, target.Endpoint.Url, client.Invoker, ProxyConfig, HttpTransformer.Default);
            if (outcome is ForwarderError.Request or ForwarderError.RequestTimedOut or ForwarderError.RequestBodyDestination)
            {
                target.Failed(options.UnhealthyAfter);
            }

            if (outcome != ForwarderError.None && !context.Response.HasStarted)
            {
                return OpenAiErrors.Create(502, "server_error", "backend_unavailable", $"The replica of {route.Deployment} did not answer ({outcome}).");
            }
        }

        return Results.Empty;
    }

    private static async Task<(JsonObject? Body, IResult? Error)> ReadAsync(HttpRequest request, int maxBytes)
    {
        if (request.ContentLength > maxBytes)
        {
            return (null, OpenAiErrors.Create(413, "invalid_request_error", "request_too_large", $"The body is larger than the {maxBytes} bytes accepted."));
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                return (null, OpenAiErrors.Create(413, "invalid_request_error", "request_too_large", $"The body is larger than the {maxBytes} bytes accepted."));
            }

            buffer.Write(chunk, 0, read);
        }

        try
        {
            return JsonNode.Parse(buffer.ToArray()) is JsonObject body
                ? (body, null)
                : (null, OpenAiErrors.Create(400, "invalid_request_error", "invalid_json", "The body must be a JSON object."));
        }
        catch (JsonException ex)
        {
            return (null, OpenAiErrors.Create(400, "invalid_request_error", "invalid_json", $"The body is not valid JSON: {ex.Message}"));
        }
    }

    private static bool TryDeadline(HttpRequest request, ServingOptions options, TimeProvider time, out DateTimeOffset deadline)
    {
        deadline = time.GetUtcNow() + options.QueueTimeout;
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

    private static string Shorten(string text) => text.Length <= 120 ? text : text[..120] + "…";
}
