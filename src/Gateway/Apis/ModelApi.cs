using GpuSharing.Gateway.Configuration;
using GpuSharing.Gateway.Contracts;
using GpuSharing.Gateway.Http;
using GpuSharing.Gateway.Security;
using GpuSharing.Grains.Interfaces.Fleet;
using GpuSharing.Grains.Interfaces.Models;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace GpuSharing.Gateway.Apis;

/// <summary><c>/api/v1/models/{namespace}/{name}</c>: declare, read and delete model deployments.</summary>
public static class ModelApi
{
    public static RouteGroupBuilder MapModelApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/models").WithTags("Models");
        group.MapGet("/", ListModelsAsync).WithName("ListModels").WithSummary("Every deployment, in name order.");
        group.MapGet("/{namespace}", ListNamespaceModelsAsync).WithName("ListNamespaceModels").WithSummary("The deployments of one namespace, in name order.");
        group.MapPut("/{namespace}/{name}", PutModelAsync)
            .WithName("PutModel")
            .WithSummary("Declare a deployment: model, precision, maxModelLen, maxNumSeqs, replicas, priority, slo, … It is sized and placed; the answer carries status, placements, binding and explanation.")
            .WithDescription("Idempotent: the same PUT again changes nothing (200), so a PUT answered 503 — which may or may not have taken effect — is safe to retry.")
            .Accepts<DeploymentRequestBody>("application/json")
            .RequireAuthorization(AuthorizationPolicies.Operator);
        group.MapGet("/{namespace}/{name}", GetModelAsync).WithName("GetModel").WithSummary("A deployment with its status, placements, binding and explanation.");
        group.MapDelete("/{namespace}/{name}", DeleteModelAsync)
            .WithName("DeleteModel")
            .WithSummary("Delete a deployment and release its reservations.")
            .WithDescription("Idempotent: deleting what is gone answers 404 and changes nothing, so a DELETE answered 503 is safe to retry.")
            .RequireAuthorization(AuthorizationPolicies.Operator);
        return group;
    }

    public static async Task<Results<Ok<ModelResponse>, Created<ModelResponse>, ValidationProblem, ProblemHttpResult>> PutModelAsync(
        string @namespace,
        string name,
        HttpRequest request,
        IClusterClient grains,
        CancellationToken cancellationToken)
    {
        if (Problems.InvalidDeploymentKey(@namespace, name, forWrite: true) is { } invalid)
        {
            return invalid;
        }

        using var body = await JsonBody.ReadAsync(request, cancellationToken);
        var errors = new Dictionary<string, string[]>();
        var local = request.HttpContext.RequestServices.GetRequiredService<IOptions<GatewayOptions>>().Value.LocalModelPathPrefixes;
        if (DeploymentSpecReader.Read(body.RootElement, errors, localModelPaths: local) is not { } spec)
        {
            return Problems.Invalid(errors, "The deployment spec is not valid.");
        }

        var grain = grains.GetGrain<IModelGrain>($"{@namespace}/{name}");
        var existed = await grain.GetAsync().WaitAsync(cancellationToken) is not null;
        var result = await grain.ApplyAsync(spec, 0, cancellationToken);
        return result.Outcome switch
        {
            ApplyOutcome.ManagedElsewhere => ManagedElsewhere(@namespace, name, result.Error ?? "a controller"),
            ApplyOutcome.Invalid => Problems.Invalid(result.Field ?? "spec", result.Error ?? "The deployment spec is not valid."),
            ApplyOutcome.Unprocessable => Problems.Create(StatusCodes.Status422UnprocessableEntity, "unprocessable-deployment", "The deployment cannot be sized.", result.Error ?? string.Empty, new Dictionary<string, object?> { ["field"] = result.Field }),
            _ when existed => TypedResults.Ok(Responses.Model(result.Model!)),
            _ => TypedResults.Created($"/api/v1/models/{@namespace}/{name}", Responses.Model(result.Model!)),
        };
    }

    public static async Task<Results<Ok<ModelResponse>, ValidationProblem, ProblemHttpResult>> GetModelAsync(string @namespace, string name, IClusterClient grains, CancellationToken cancellationToken)
    {
        if (Problems.InvalidDeploymentKey(@namespace, name) is { } invalid)
        {
            return invalid;
        }

        return await grains.GetGrain<IModelGrain>($"{@namespace}/{name}").GetAsync().WaitAsync(cancellationToken) is { } model
            ? TypedResults.Ok(Responses.Model(model))
            : NotFound(@namespace, name);
    }

    public static Task<Ok<ModelResponse[]>> ListModelsAsync(IClusterClient grains, CancellationToken cancellationToken) =>
        ListAsync(grains, null, cancellationToken);

    public static async Task<Results<Ok<ModelResponse[]>, ValidationProblem>> ListNamespaceModelsAsync(string @namespace, IClusterClient grains, CancellationToken cancellationToken)
    {
        if (RouteValues.LabelError("namespace", @namespace) is { } error)
        {
            return Problems.Invalid("namespace", error);
        }

        return await ListAsync(grains, @namespace, cancellationToken);
    }

    public static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> DeleteModelAsync(string @namespace, string name, IClusterClient grains, CancellationToken cancellationToken)
    {
        if (Problems.InvalidDeploymentKey(@namespace, name) is { } invalid)
        {
            return invalid;
        }

        var grain = grains.GetGrain<IModelGrain>($"{@namespace}/{name}");
        return await grain.DeleteAsync(managedBy: null, cancellationToken) switch
        {
            DeleteOutcome.Deleted => TypedResults.NoContent(),
            DeleteOutcome.ManagedElsewhere => ManagedElsewhere(@namespace, name, (await grain.GetAsync().WaitAsync(cancellationToken))?.Spec.ManagedBy ?? "a controller"),
            _ => NotFound(@namespace, name),
        };
    }

    private static async Task<Ok<ModelResponse[]>> ListAsync(IClusterClient grains, string? @namespace, CancellationToken cancellationToken)
    {
        var keys = await grains.GetGrain<IModelIndexGrain>(Pools.Default).ListAsync(@namespace).WaitAsync(cancellationToken);
        var views = await Task.WhenAll(keys.Select(k => grains.GetGrain<IModelGrain>(k).GetAsync())).WaitAsync(cancellationToken);

        // An entry whose deployment was never stored (a failed first apply) lists nothing.
        return TypedResults.Ok(views.OfType<ModelView>().Select(Responses.Model).ToArray());
    }

    private static ProblemHttpResult ManagedElsewhere(string @namespace, string name, string owner) =>
        Problems.Create(
            StatusCodes.Status409Conflict,
            "managed-elsewhere",
            "The deployment is managed by a controller.",
            $"{@namespace}/{name} is managed by '{owner}': change or delete its KServe object (InferenceService or LLMInferenceService) instead, or the controller would undo this change.");

    private static ProblemHttpResult NotFound(string @namespace, string name) => Problems.DeploymentNotFound($"{@namespace}/{name}");
}
