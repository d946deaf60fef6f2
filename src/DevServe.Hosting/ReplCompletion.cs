using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Completion;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Tags;
using Microsoft.CodeAnalysis.Text;

namespace DevServe.Hosting;

/// <summary>
/// Completions for the entry being typed at a REPL, from Roslyn's completion service (what editors use): the
/// session's earlier entries and the entry are one script document, over the session's references and imports,
/// with <see cref="ReplGlobals"/> as its host object.
/// </summary>
/// <remarks>
/// Earlier entries are given as text (their <c>#r</c> and <c>#load</c> lines left out: their references are
/// already the session's), so a variable defined three entries ago completes its members. A workspace is made per
/// request: a REPL asks on Tab, not per key.
/// </remarks>
internal static class ReplCompletion
{
    /// <summary>What can replace the word at the cursor: where it starts, how long it is, and the candidates, best first.</summary>
    /// <param name="Start">Where the word being completed starts in the entry.</param>
    /// <param name="Length">Its length.</param>
    /// <param name="Items">The candidates' texts.</param>
    public sealed record Result(int Start, int Length, IReadOnlyList<string> Items)
    {
        /// <summary>No candidates.</summary>
        public static Result None(int position) => new(position, 0, []);
    }

    /// <summary>The completions at <paramref name="position"/> of <paramref name="entry"/>, after <paramref name="earlier"/> entries.</summary>
    public static async Task<Result> CompleteAsync(IEnumerable<string> earlier, string entry, int position, IEnumerable<MetadataReference> references,
        CancellationToken cancellationToken = default)
    {
        position = Math.Clamp(position, 0, entry.Length);
        var before = string.Concat(earlier.Select(e => Statement(string.Join('\n', e.Split('\n').Where(l => !IsDirective(l)))) + "\n"));
        using var workspace = new AdhocWorkspace();
        var project = workspace.AddProject(ProjectInfo.Create(ProjectId.CreateNewId(), VersionStamp.Create(), "repl", "repl", LanguageNames.CSharp,
            compilationOptions: new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, usings: ScriptCompiler.Usings),
            parseOptions: new CSharpParseOptions(LanguageVersion.Latest, kind: SourceCodeKind.Script),
            metadataReferences: references.Distinct(), isSubmission: true, hostObjectType: typeof(ReplGlobals)));
        var document = workspace.AddDocument(DocumentInfo.Create(DocumentId.CreateNewId(project.Id), "entry.csx", sourceCodeKind: SourceCodeKind.Script,
            loader: TextLoader.From(TextAndVersion.Create(SourceText.From(before + entry), VersionStamp.Create()))));
        if (CompletionService.GetService(document) is not { } service)
        {
            return Result.None(position);
        }
        var list = await service.GetCompletionsAsync(document, before.Length + position, cancellationToken: cancellationToken).ConfigureAwait(false);
        var start = Math.Max(0, list.Span.Start - before.Length);
        var typed = entry[start..Math.Min(entry.Length, start + list.Span.Length)];
        var items = list.ItemsList
            // Snippets (`for`, `forr` after a dot) expand in an editor; at a prompt they would be typed as words.
            .Where(i => !i.Tags.Contains(WellKnownTags.Snippet) && i.FilterText.StartsWith(typed, StringComparison.OrdinalIgnoreCase))
            .OrderBy(i => i.FilterText.StartsWith(typed, StringComparison.Ordinal) ? 0 : 1)
            .ThenBy(i => i.SortText, StringComparer.OrdinalIgnoreCase)
            .Select(i => i.DisplayText)
            .Distinct(StringComparer.Ordinal)
            .Take(200)
            .ToList();
        return new Result(start, list.Span.Length, items);
    }

    // An entry typed for its value (`numbers`, no semicolon) would run into the next one: it is ended here.
    private static string Statement(string entry)
        => CSharpSyntaxTree.ParseText(entry, new CSharpParseOptions(LanguageVersion.Latest, kind: SourceCodeKind.Script)).GetCompilationUnitRoot()
            .Members.LastOrDefault() is Microsoft.CodeAnalysis.CSharp.Syntax.GlobalStatementSyntax
        { Statement: Microsoft.CodeAnalysis.CSharp.Syntax.ExpressionStatementSyntax { SemicolonToken.IsMissing: true } } ? entry.TrimEnd() + ";" : entry;

    private static bool IsDirective(string line) => line.TrimStart() is var l && (l.StartsWith("#r ", StringComparison.Ordinal) || l.StartsWith("#load ", StringComparison.Ordinal));
}
