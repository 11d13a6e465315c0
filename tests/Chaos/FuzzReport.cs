namespace GpuSharing.Chaos;

/// <summary>
/// What the fuzzer sent and got: operations covered, answers by status, and the violations (≥ 500, or a 4xx that is not
/// problem details). <see cref="RefusedByServer"/> counts the 400s Kestrel gives, without a body, before the app runs.
/// </summary>
public sealed record FuzzReport(int Requests, int Operations, IReadOnlyDictionary<int, int> ByStatus, IReadOnlyList<string> ServerErrors, IReadOnlyList<string> NotProblemDetails, int RefusedByServer)
{
    public string Describe() =>
        $"{Requests} malformed requests over {Operations} operations of the OpenAPI document: " +
        string.Join(", ", ByStatus.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}")) +
        $"; ≥ 500: {ServerErrors.Count}; 4xx without problem details: {NotProblemDetails.Count} (besides {RefusedByServer} 400s from Kestrel before the app)" +
        string.Concat(ServerErrors.Concat(NotProblemDetails).Take(10).Select(v => $"\n  - {v}"));
}
