using System.Text.Json.Nodes;
using GpuSharing.Gateway.Contracts;
using GpuSharing.Gateway.Security;
using GpuSharing.Gateway.Serving;

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
    public const string DeadlineHeader = OpenAiProxy.DeadlineHeader;

    public static RouteGroupBuilder MapOpenAiApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1").WithTags("OpenAI").RequireAuthorization(AuthorizationPolicies.Operator);
        group.MapGet("/models", ListModels).WithName("ListServedModels").WithSummary("The deployments with at least one replica that answers (OpenAI list format).");
        group.MapPost("/chat/completions", (HttpContext context, OpenAiProxy proxy) => proxy.HandleAsync(context))
            .WithName("ChatCompletions").WithSummary("OpenAI chat completions, routed by model to a replica; streams when asked.")
            .Accepts<ChatCompletionRequestBody>("application/json");
        group.MapPost("/completions", (HttpContext context, OpenAiProxy proxy) => proxy.HandleAsync(context))
            .WithName("Completions").WithSummary("OpenAI completions, routed by model to a replica; streams when asked.")
            .Accepts<CompletionRequestBody>("application/json");
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
}
