using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace GpuSharing.Gateway.Http;

/// <summary>RFC 7807 problem details with stable type URIs, one per kind of problem.</summary>
public static class Problems
{
    public const string TypePrefix = "urn:gpu-sharing:problem:";

    public static ProblemHttpResult Create(int status, string slug, string title, string detail, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(new ProblemDetails
        {
            Status = status,
            Type = TypePrefix + slug,
            Title = title,
            Detail = detail,
            Extensions = extensions ?? new Dictionary<string, object?>(),
        });

    public static ValidationProblem Invalid(IDictionary<string, string[]> errors, string detail) =>
        TypedResults.ValidationProblem(errors, detail, type: TypePrefix + "invalid-request", title: "The request is not valid.");

    /// <summary>
    /// Gives problems the framework writes itself (404, 405, 415, 401 from status codes) our type URIs too, and a
    /// detail where it wrote none: a 415 from routing (a route that only accepts JSON) says which type it expects.
    /// </summary>
    public static void Normalize(ProblemDetails problem)
    {
        if (problem.Status == StatusCodes.Status415UnsupportedMediaType && string.IsNullOrEmpty(problem.Detail))
        {
            problem.Detail = "The body must be JSON: send it with Content-Type: application/json.";
        }

        if (problem.Type is not null && problem.Type.StartsWith(TypePrefix, StringComparison.Ordinal))
        {
            return;
        }

        problem.Type = TypePrefix + problem.Status switch
        {
            StatusCodes.Status400BadRequest => "malformed-request",
            StatusCodes.Status401Unauthorized => "unauthorized",
            StatusCodes.Status403Forbidden => "forbidden",
            StatusCodes.Status404NotFound => "not-found",
            StatusCodes.Status405MethodNotAllowed => "method-not-allowed",
            StatusCodes.Status413PayloadTooLarge => "body-too-large",
            StatusCodes.Status415UnsupportedMediaType => "unsupported-media-type",
            >= 500 => "internal",
            _ => "http-" + problem.Status,
        };
    }

    public static ValidationProblem Invalid(string field, string error) =>
        Invalid(new Dictionary<string, string[]> { [field] = [error] }, error);

    /// <summary>
    /// Why a deployment's <c>{namespace}/{name}</c> from a route is not two Kubernetes names; null when it is. An
    /// LLMInferenceService's deployment (<c>{name}.llminferenceservice</c>) may be read and deleted by its name but not
    /// written: only the KServe watcher makes it, from its object.
    /// </summary>
    public static ValidationProblem? InvalidDeploymentKey(string @namespace, string name, bool forWrite = false)
    {
        var errors = new Dictionary<string, string[]>();
        if (RouteValues.LabelError("namespace", @namespace) is { } namespaceError)
        {
            errors["namespace"] = [namespaceError];
        }

        if (RouteValues.DeploymentNameError(name, forWrite) is { } nameError)
        {
            errors["name"] = [nameError];
        }

        return errors.Count == 0 ? null : Invalid(errors, string.Join(" ", errors.Values.SelectMany(e => e)));
    }

    public static ProblemHttpResult DeploymentNotFound(string deployment) =>
        Create(StatusCodes.Status404NotFound, "model-not-found", "No such deployment.", $"There is no deployment {deployment}.");
}
