using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace DevServe.Hosting;

/// <summary>
/// Makes a script's async methods resumable without changing its code: every <c>async Task</c> and
/// <c>async Task&lt;T&gt;</c> method and local function gets
/// <c>[AsyncMethodBuilder(typeof(ResumableTaskMethodBuilder&lt;&gt;))]</c> (C# 10's per-method builder), so a
/// continuation copies its frames instead of replaying the servlet.
/// </summary>
/// <remarks>
/// The attribute goes on a line of its own above the declaration, between <c>#line hidden</c> and a <c>#line</c>
/// back to the declaration's own line: errors, stack traces, the debugger and <c>SendSuspend</c>'s call-site lines
/// see the file as it is on disk. Async lambdas cannot take the attribute: a suspension under one is resumed by
/// replay, with a warning.
/// </remarks>
internal static class ResumableRewriter
{
    private const string Generic = "[global::System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(global::DevServe.ResumableTaskMethodBuilder<>))]";
    private const string NonGeneric = "[global::System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(global::DevServe.ResumableTaskMethodBuilder))]";

    private static readonly string[] s_suspensions = ["SendSuspend", "SendForward", "RedirectGet"];

    // The latest warnings of each file rewritten: read by the compile that asked for the file.
    private static readonly BoundedCache<string, IReadOnlyList<ScriptError>> s_warnings = new(capacity: 1024);

    /// <summary>The warnings the last rewrite of <paramref name="path"/> found (see <see cref="Rewrite"/>).</summary>
    public static IReadOnlyList<ScriptError> WarningsFor(string path) => s_warnings.TryGet(path, out var warnings) ? warnings : [];

    /// <summary>
    /// The script's text with the builder on each of its async Task methods; the same text when there is none.
    /// Notes a warning for each suspension inside a <c>try</c>/<c>finally</c> or <c>using</c> (<see cref="WarningsFor"/>).
    /// </summary>
    public static SourceText Rewrite(SourceText text, string path, CSharpParseOptions options)
    {
        var root = CSharpSyntaxTree.ParseText(text, options, path).GetRoot();
        s_warnings.Set(path, [.. SpanningWarnings(root, path)]);
        var insertions = new List<TextChange>();
        foreach (var node in root.DescendantNodes())
        {
            var (modifiers, returnType, attributes) = node switch
            {
                MethodDeclarationSyntax m => (m.Modifiers, m.ReturnType, m.AttributeLists),
                LocalFunctionStatementSyntax f => (f.Modifiers, f.ReturnType, f.AttributeLists),
                _ => (default, null, default),
            };
            if (returnType is null || !modifiers.Any(SyntaxKind.AsyncKeyword) || HasBuilder(attributes) || TaskArity(returnType) is not { } arity)
            {
                continue;
            }
            insertions.Add(Insertion(text, node.GetFirstToken().SpanStart, path, arity == 0 ? NonGeneric : Generic));
        }
        return insertions.Count == 0 ? text : text.WithChanges(insertions);
    }

    /// <summary>The builder attribute an async method returning <paramref name="returnType"/> needs to be resumable; <c>null</c> for other types.</summary>
    public static string? BuilderFor(TypeSyntax returnType) => TaskArity(returnType) switch
    {
        0 => NonGeneric,
        1 => Generic,
        _ => null,
    };

    // A suspension inside try/finally or using: each resumption copies the frame, so the finally (the Dispose) runs
    // once per resumption that leaves the block, and a disposable it holds is shared (that continuation replays).
    private static IEnumerable<ScriptError> SpanningWarnings(SyntaxNode root, string path)
    {
        foreach (var suspension in root.DescendantNodes().OfType<AwaitExpressionSyntax>().Where(IsSuspension))
        {
            var construct = SpanningConstruct(suspension);
            if (construct is null)
            {
                continue;
            }
            yield return ScriptError.At(suspension.GetLocation(), path, "DEVSERVE010",
                $"this suspension is inside {construct}. Each use of its page resumes a copy of this method, so the finally "
                + "block (or Dispose) runs once for each resumption that leaves the block, and what it holds is shared "
                + "between them (such a page is resumed by replay). Keep try/finally and using between suspensions.");
        }
    }

    private static bool IsSuspension(AwaitExpressionSyntax await)
    {
        var called = (await.Expression as InvocationExpressionSyntax)?.Expression;
        var name = (called as MemberAccessExpressionSyntax)?.Name ?? called as SimpleNameSyntax;
        return name is not null && s_suspensions.Contains(name.Identifier.ValueText);
    }

    private static string? SpanningConstruct(SyntaxNode suspension)
    {
        for (SyntaxNode? child = suspension, node = suspension.Parent; node is not null; child = node, node = node.Parent)
        {
            switch (node)
            {
                case AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax or BaseMethodDeclarationSyntax:
                    return null;
                case TryStatementSyntax { Finally: not null } t when child == t.Block:
                    return "a try block with a finally";
                case UsingStatementSyntax u when child == u.Statement:
                    return "a using statement";
                case BlockSyntax block when block.Statements.TakeWhile(s => s != child)
                    .Any(s => s is LocalDeclarationStatementSyntax { UsingKeyword.RawKind: (int)SyntaxKind.UsingKeyword }):
                    return "the scope of a using declaration";
            }
        }
        return null;
    }

    // Task → 0, Task<T> → 1 (also qualified, as in System.Threading.Tasks.Task<T>); anything else (ValueTask, void) → null.
    private static int? TaskArity(TypeSyntax type) => type switch
    {
        QualifiedNameSyntax q => TaskArity(q.Right),
        AliasQualifiedNameSyntax a => TaskArity(a.Name),
        IdentifierNameSyntax { Identifier.ValueText: "Task" } => 0,
        GenericNameSyntax { Identifier.ValueText: "Task", TypeArgumentList.Arguments.Count: 1 } => 1,
        _ => null,
    };

    private static bool HasBuilder(SyntaxList<AttributeListSyntax> lists)
        => lists.SelectMany(l => l.Attributes).Any(a => a.Name.ToString().Contains("AsyncMethodBuilder", StringComparison.Ordinal));

    private static TextChange Insertion(SourceText text, int declaration, string path, string attribute)
    {
        var line = text.Lines.GetLineFromPosition(declaration);
        var before = text.ToString(TextSpan.FromBounds(line.Start, declaration));
        if (!string.IsNullOrWhiteSpace(before))
        {
            return new TextChange(new TextSpan(declaration, 0), attribute + " ");   // shares its line with other code: columns there shift
        }
        var number = line.LineNumber + 1;
        return new TextChange(new TextSpan(line.Start, 0),
            $"#line hidden\n{attribute}\n#line {number} \"{path.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"\n");
    }
}
