using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace GpuSharing.Chaos;

/// <summary>
/// Malformed input over every operation the gateway's OpenAPI document lists: hostile path values, bodies that are not
/// JSON, not UTF-8, hold lone surrogates, nest deeply, overflow every number, exceed the body limit or carry huge keys,
/// and wrong content types. Every answer must be below 500, and every 4xx problem details (the OpenAI error format
/// on the OpenAI-compatible routes). Seeded: the same requests in
/// every run with the same seed. Deployments it manages to create live in namespace <c>fuzz</c>.
/// </summary>
public sealed class InputFuzzer(HttpClient http, int seed)
{
    private static readonly string[] Fields =
    [
        "model", "precision", "maxModelLen", "maxNumSeqs", "replicas", "priority", "isolation", "architecture", "kvCacheBytes",
        "minKvCacheBytes", "maxTensorParallel", "node", "gpu", "memoryLimitBytes", "computeMode", "memoryMode", "deployments", "fleet", "slo",
    ];

    private static readonly string[] PathValues =
    [
        "fuzz", "a", "..", "%2e%2e", "A_B", "-x", "x--", new string('a', 300), "%E5%90%8D", "%00", "%ff%fe", "-1", "99999999999",
        "1e3", "0", "7", "local", "node-a", "%20", "a.b", "a%2Fb", "%C3%28", "%ED%A0%80",
    ];

    public async Task<FuzzReport> RunAsync(int requests, CancellationToken cancellationToken)
    {
        var document = JsonNode.Parse(await http.GetStringAsync("/openapi/v1.json", cancellationToken))!;
        var operations = document["paths"]!.AsObject()
            .SelectMany(p => p.Value!.AsObject().Where(m => m.Key is "get" or "put" or "post" or "delete" or "patch").Select(m => (Path: p.Key, Method: m.Key.ToUpperInvariant())))
            .OrderBy(o => o.Path, StringComparer.Ordinal).ThenBy(o => o.Method, StringComparer.Ordinal)
            .ToList();
        var random = new Random(seed);
        var byStatus = new Dictionary<int, int>();
        var serverErrors = new List<string>();
        var notProblem = new List<string>();
        var refusedByServer = 0;
        for (var i = 0; i < requests; i++)
        {
            var (template, method) = operations[i % operations.Count];
            var path = Fill(template, random);
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            var (body, description) = method is "GET" or "DELETE" && random.Next(4) != 0 ? (null, "no body") : Body(random);
            if (body is not null)
            {
                request.Content = new ByteArrayContent(body);
                request.Content.Headers.ContentType = random.Next(6) switch
                {
                    0 => new MediaTypeHeaderValue("text/plain"),
                    1 => MediaTypeHeaderValue.Parse("application/json; charset=latin1"),
                    2 => new MediaTypeHeaderValue("application/x-www-form-urlencoded"),
                    _ => new MediaTypeHeaderValue("application/json"),
                };
            }

            int status;
            string text;
            try
            {
                using var response = await http.SendAsync(request, cancellationToken);
                status = (int)response.StatusCode;
                text = await response.Content.ReadAsStringAsync(cancellationToken);
                var mediaType = response.Content.Headers.ContentType?.MediaType;
                if (status == 400 && text.Length == 0 && mediaType is null)
                {
                    // Kestrel refuses a request target it cannot decode (a %00 in the path) before any of the app runs.
                    refusedByServer++;
                }
                else if (status is >= 400 and < 500 && status != 405 && !IsErrorOfItsApi(path, mediaType, text) && notProblem.Count < 50)
                {
                    notProblem.Add($"{method} {path} [{description}] → {status} as {mediaType ?? "no content type"}");
                }
            }
            catch (HttpRequestException ex)
            {
                status = 599; // the connection was dropped: as bad as a 500
                text = ex.Message;
            }

            byStatus[status] = byStatus.GetValueOrDefault(status) + 1;
            if (status >= 500 && serverErrors.Count < 50)
            {
                serverErrors.Add($"{method} {path} [{description}] → {status}: {(text.Length > 200 ? text[..200] : text)}");
            }
        }

        return new FuzzReport(requests, operations.Count, byStatus, serverErrors, notProblem, refusedByServer);
    }

    /// <summary>The control plane's routes answer RFC 7807 problem details; the OpenAI-compatible ones (<c>/v1/…</c>) the OpenAI error format.</summary>
    private static bool IsErrorOfItsApi(string path, string? mediaType, string text)
    {
        if (!path.StartsWith("/v1/", StringComparison.Ordinal))
        {
            return mediaType == "application/problem+json";
        }

        try
        {
            return mediaType == "application/json" && JsonNode.Parse(text)?["error"] is JsonObject error && error["message"] is not null && error["type"] is not null;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string Fill(string template, Random random)
    {
        var builder = new StringBuilder();
        var at = 0;
        while (template.IndexOf('{', at) is var open and >= 0)
        {
            var close = template.IndexOf('}', open);
            builder.Append(template, at, open - at);
            var parameter = template[(open + 1)..close];
            builder.Append(parameter == "namespace" && random.Next(3) != 0 ? "fuzz" : PathValues[random.Next(PathValues.Length)]);
            at = close + 1;
        }

        return builder.Append(template, at, template.Length - at).ToString();
    }

    private static (byte[] Body, string Description) Body(Random random)
    {
        var field = Fields[random.Next(Fields.Length)];
        return random.Next(20) switch
        {
            0 => ([], "empty"),
            1 => (Encoding.UTF8.GetBytes("{"), "truncated"),
            2 => (Encoding.UTF8.GetBytes(new[] { "null", "[]", "123", "\"text\"", "true" }[random.Next(5)]), "not an object"),
            3 => (Concat("{\"", field, "\":\"", new byte[] { 0xC3, 0x28 }, "\"}"), $"invalid UTF-8 in {field}"),
            4 => (Encoding.UTF8.GetBytes($"{{\"{field}\":\"\\ud800\"}}"), $"lone surrogate in {field}"),
            5 => (Encoding.UTF8.GetBytes($"{{\"{field}\":{new[] { "1e400", "-1e400", "99999999999999999999999", "-9223372036854775809", "0.5", "-1", "0" }[random.Next(7)]}}}"), $"number out of range in {field}"),
            6 => (Encoding.UTF8.GetBytes(new string('[', 5000) + new string(']', 5000)), "nested 5000 deep"),
            7 => (Encoding.UTF8.GetBytes($"{{\"{field}\":\"{new string('x', 70_000)}\"}}"), "beyond the body limit"),
            8 => (Encoding.UTF8.GetBytes($"{{\"{new string('k', 30_000)}\":1}}"), "a 30 KB key"),
            9 => (Encoding.UTF8.GetBytes($"{{\"{field}\":\"a\\u0000b\\u001b[31m\"}}"), $"control characters in {field}"),
            10 => (Encoding.UTF8.GetBytes($"{{\"{field}\":{new[] { "\"two\"", "7", "[]", "{}", "null", "true" }[random.Next(6)]}}}"), $"wrong type for {field}"),
            11 => (Encoding.UTF8.GetBytes($"{{\"model\":\"qwen2.5-7b\",\"model\":\"--trust-remote-code\"}}"), "duplicate keys"),
            12 => (Concat(new byte[] { 0xEF, 0xBB, 0xBF }, "{\"model\":\"qwen2.5-7b\",\"replicas\":1}"), "byte order mark"),
            13 => (Encoding.UTF8.GetBytes("{\"model\":\"custom\",\"architecture\":{\"layers\":1000,\"kvHeads\":1024,\"headDim\":4096,\"hiddenSize\":65536,\"parameters\":1e15},\"maxModelLen\":10000000,\"maxNumSeqs\":4096}"), "hostile architecture"),
            14 => (Encoding.UTF8.GetBytes("{\"deployments\":[" + string.Join(',', Enumerable.Repeat("{\"name\":\"a/b\",\"model\":\"qwen2.5-7b\",\"replicas\":64}", 500)) + "]}"), "a large plan"),
            15 => (Encoding.UTF8.GetBytes($"{{\"model\":\"--{field}=x\"}}"), "a model that is a flag"),
            16 => (Encoding.UTF8.GetBytes($"{{\"computeMode\":\"{new[] { "CPX", "spx", "NPS4", "", "XPX" }[random.Next(5)]}\",\"memoryMode\":\"{new[] { "NPS4", "nps1", "CPX", "" }[random.Next(4)]}\"}}"), "layouts, valid and not"),
            17 => (RandomBytes(random, 256), "random bytes"),
            18 => (Encoding.UTF8.GetBytes($"{{\"{field}\":{{\"{field}\":{{\"{field}\":[1,2,{{}}]}}}}}}"), $"nested objects in {field}"),
            _ => (Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{{\"model\":\"qwen2.5-7b\",\"replicas\":{random.Next(-3, 70)},\"priority\":\"{new[] { "low", "medium", "high", "urgent" }[random.Next(4)]}\"}}")), "plausible values"),
        };
    }

    private static byte[] Concat(params object[] parts) =>
        [.. parts.SelectMany(p => p switch { string s => Encoding.UTF8.GetBytes(s), byte[] b => b, _ => [] })];

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }
}
