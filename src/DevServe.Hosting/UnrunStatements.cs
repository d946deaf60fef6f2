using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace DevServe.Hosting;

/// <summary>
/// The top-level statements of a <c>.cs</c> app that devserve never runs (the <c>await Launch.ServeServlet(...)</c>
/// line), left out of a save's compile once a whole compile has checked them. Lowering and emitting that line (an async
/// <c>Main</c> around a call with 26 optional arguments) was ~5 ms of a 12–15 ms warm compile in a harness.
/// </summary>
/// <remarks>
/// <para>
/// The lean compile blanks those statements (spaces, same lines and columns: the PDB's lines and the errors' positions
/// are the file's) and keeps the top-level local functions, so <c>Start</c> keeps its name and code. It is used only
/// while the file's <em>shape</em> (<see cref="ShapeOf"/>: its text but member, accessor and top-level local function
/// bodies, its references and options) is one a whole compile found free of errors, and only when the blanked statements
/// declare nothing a body could read or assign (<see cref="Blanked"/>): C# then binds them against declarations and
/// signatures only, so an edit inside bodies cannot break them. Not with warnings as errors, which differ between the
/// two compiles (a local function only the launch line calls). A lean compile that fails is redone whole, whose errors
/// are the ones reported; if the whole one succeeds, that shape is compiled whole from then on.
/// </para>
/// <para>
/// Left open: a struct whose methods start or stop capturing a primary-constructor parameter, or whose accessors start
/// or stop using <c>field</c>, changes its fields, so whether it is <c>unmanaged</c>; a blanked statement that needs it
/// to be would not be checked again.
/// </para>
/// </remarks>
internal static class UnrunStatements
{
    // The shape each file's last whole compile succeeded with, and whether a lean compile may follow; few, as in
    // LastCompilations.
    private static readonly BoundedCache<string, (string Shape, bool Lean)> s_checked = new(capacity: 16);

    /// <summary>The trees of a lean compile.</summary>
    /// <param name="Trees">The files, the statements blanked.</param>
    /// <param name="ReadsArgs">
    /// Whether a top-level local function names <c>args</c>, the one variable of the top-level statements left: Start's
    /// checks (<see cref="FileAppCompiler"/>) then run again, costing ~2.5 ms.
    /// </param>
    public sealed record Lean(IReadOnlyList<SyntaxTree> Trees, bool ReadsArgs);

    /// <summary>
    /// <paramref name="trees"/> with their top-level statements other than local functions blanked; null when there are
    /// none, or when one declares a variable or a label (a local function's body can read or assign it, which changes
    /// what the statements bind: definite assignment, shadowing) or holds a directive (an <c>#if</c> whose
    /// <c>#endif</c> would stay).
    /// </summary>
    public static Lean? Blanked(IReadOnlyList<SyntaxTree> trees, CancellationToken cancellationToken)
    {
        var statements = trees.Select(tree => tree.GetCompilationUnitRoot(cancellationToken).Members.OfType<GlobalStatementSyntax>()
            .Select(g => g.Statement).ToList()).ToList();
        var unrun = statements.Select(list => list.Where(s => s is not LocalFunctionStatementSyntax).ToList()).ToList();
        if (unrun.All(list => list.Count == 0) || unrun.Any(list => list.Any(s => s is LabeledStatementSyntax || s.ContainsDirectives
            || s.DescendantNodesAndSelf().Any(n => n is VariableDeclaratorSyntax or SingleVariableDesignationSyntax))))
        {
            return null;
        }
        var args = statements.Any(list => list.OfType<LocalFunctionStatementSyntax>()
            .Any(f => f.DescendantNodes().Any(n => n is IdentifierNameSyntax { Identifier.ValueText: "args" })));
        return new Lean([.. trees.Select((tree, i) => unrun[i].Count == 0 ? tree
            : tree.WithChangedText(Blank(tree.GetText(cancellationToken), [.. unrun[i].Select(s => s.Span)])))], args);
    }

    /// <summary>
    /// What the blanked statements bind against, as a hash: the files' text outside the bodies (members', accessors',
    /// top-level local functions'), then the references' paths and the options.
    /// </summary>
    public static string ShapeOf(IReadOnlyList<SyntaxTree> trees, IEnumerable<MetadataReference> references, CompilationOptions options,
        CancellationToken cancellationToken)
    {
        var shape = new System.Text.StringBuilder();
        foreach (var tree in trees)
        {
            var root = tree.GetCompilationUnitRoot(cancellationToken);
            var bodies = root.DescendantNodes(n => n is not (BlockSyntax or ArrowExpressionClauseSyntax))
                .Where(n => n is BlockSyntax or ArrowExpressionClauseSyntax
                    && n.Parent is BaseMethodDeclarationSyntax or AccessorDeclarationSyntax or BasePropertyDeclarationSyntax
                        or LocalFunctionStatementSyntax { Parent: GlobalStatementSyntax })
                .Select(n => TextSpan.FromBounds(n.SpanStart, n.Parent!.Span.End)).ToList();   // an arrow's semicolon too
            shape.Append(tree.FilePath).Append('\0');
            var body = 0;
            foreach (var token in root.DescendantTokens())
            {
                while (body < bodies.Count && bodies[body].End <= token.SpanStart)
                {
                    body++;
                }
                if (body < bodies.Count && bodies[body].Contains(token.SpanStart))
                {
                    continue;   // in a body: a body's tokens are not its shape
                }
                // All of it, whitespace too (">>" is not "> >"), but #line directives (the rewriter puts one before each
                // async function): they move with the lines of the bodies above and change no binding.
                AppendTrivia(shape, token.LeadingTrivia);
                shape.Append(token.Text);
                AppendTrivia(shape, token.TrailingTrivia);
            }
        }
        foreach (var reference in references)
        {
            shape.Append('\0').Append(reference.Display);
        }
        return ScriptCache.Hash(shape.Append('\0').Append(options.GetHashCode()).ToString());
    }

    /// <summary>Whether a whole compile of <paramref name="path"/> with this shape succeeded last, and a lean one may follow.</summary>
    public static bool WereChecked(string path, string shape) => s_checked.TryGet(path, out var last) && last == (shape, true);

    /// <summary>A whole compile of <paramref name="path"/> with this shape succeeded (unless <see cref="Refuse"/>d for it).</summary>
    public static void Checked(string path, string shape)
    {
        if (!s_checked.TryGet(path, out var last) || last.Shape != shape)
        {
            s_checked.Set(path, (shape, true));
        }
    }

    /// <summary>
    /// A lean compile of <paramref name="path"/> failed where the whole one succeeded (a class that names <c>Program</c>,
    /// say): with this shape, compile it whole only.
    /// </summary>
    public static void Refuse(string path, string shape) => s_checked.Set(path, (shape, false));

    private static void AppendTrivia(System.Text.StringBuilder shape, SyntaxTriviaList trivia)
    {
        foreach (var one in trivia)
        {
            if (!one.IsKind(SyntaxKind.LineDirectiveTrivia) && !one.IsKind(SyntaxKind.LineSpanDirectiveTrivia))
            {
                shape.Append(one.ToFullString());
            }
        }
    }

    // Every character of the spans but line breaks (C#'s: \u0085, \u2028 and \u2029 too) becomes a space.
    private static SourceText Blank(SourceText text, IReadOnlyList<TextSpan> spans)
        => text.WithChanges(spans.Select(span =>
        {
            var chars = text.ToString(span).ToCharArray();
            for (var i = 0; i < chars.Length; i++)
            {
                chars[i] = chars[i] is '\r' or '\n' or '\u0085' or '\u2028' or '\u2029' ? chars[i] : ' ';
            }
            return new TextChange(span, new string(chars));
        }));
}
