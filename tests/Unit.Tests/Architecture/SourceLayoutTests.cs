using System.Text.RegularExpressions;

namespace GpuSharing.Unit.Tests.Architecture;

/// <summary>
/// The structure rules of the product's source, checked on every run so that they hold after the next change too:
/// namespaces depend on each other one way only, and no source file grows past what one reader takes in.
/// </summary>
public sealed partial class SourceLayoutTests
{
    private const int MaxLines = 400;

    [Fact]
    public void No_two_namespaces_of_the_product_depend_on_each_other()
    {
        var dependencies = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var file in SourceFiles())
        {
            var text = File.ReadAllText(file);
            if (NamespaceLine().Match(text) is not { Success: true } declared)
            {
                continue;
            }

            var from = declared.Groups[1].Value;
            var uses = dependencies.TryGetValue(from, out var set) ? set : dependencies[from] = new HashSet<string>(StringComparer.Ordinal);
            foreach (Match used in UsingLine().Matches(text))
            {
                if (used.Groups[1].Value != from)
                {
                    uses.Add(used.Groups[1].Value);
                }
            }
        }

        var cycles = dependencies.Keys
            .SelectMany(a => dependencies[a].Where(b => Reaches(dependencies, b, a)).Select(b => $"{a} → {b}"))
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.True(dependencies.Count > 20, $"only {dependencies.Count} namespaces found under {Fixtures.RepositoryRoot}/src");
        Assert.True(cycles.Count == 0, $"Namespaces that depend on each other (each edge lies on a cycle):\n{string.Join("\n", cycles)}");
    }

    [Fact]
    public void No_source_file_is_longer_than_a_reader_takes_in()
    {
        var tooLong = SourceFiles()
            .Select(f => (File: Path.GetRelativePath(Fixtures.RepositoryRoot, f), Lines: File.ReadLines(f).Count()))
            .Where(f => f.Lines > MaxLines)
            .Select(f => $"{f.File}: {f.Lines} lines")
            .ToList();

        Assert.True(tooLong.Count == 0, $"Files over {MaxLines} lines:\n{string.Join("\n", tooLong)}");
    }

    private static IEnumerable<string> SourceFiles() =>
        Directory.EnumerateFiles(Path.Combine(Fixtures.RepositoryRoot, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    private static bool Reaches(Dictionary<string, HashSet<string>> graph, string from, string to)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>([from]);
        while (stack.TryPop(out var current))
        {
            if (current == to)
            {
                return true;
            }

            if (seen.Add(current) && graph.TryGetValue(current, out var next))
            {
                foreach (var n in next)
                {
                    stack.Push(n);
                }
            }
        }

        return false;
    }

    [GeneratedRegex(@"^namespace (GpuSharing[\w.]*);", RegexOptions.Multiline)]
    private static partial Regex NamespaceLine();

    [GeneratedRegex(@"^using (GpuSharing[\w.]*);", RegexOptions.Multiline)]
    private static partial Regex UsingLine();
}
