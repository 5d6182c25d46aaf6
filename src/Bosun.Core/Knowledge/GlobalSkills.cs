namespace Bosun.Core.Knowledge;

/// A skill that ships with Bosun: every tenant reads it and attaches it as "global:NAME"; none may change it.
public sealed record GlobalSkill(string Name, string Description, int Version, string Content)
{
    public string Id => GlobalSkills.Prefix + Name;
}

public static class GlobalSkills
{
    public const string Prefix = "global:";

    /// Raise a skill's version with every change of its content.
    public static readonly IReadOnlyList<GlobalSkill> All =
    [
        new("writing-commits", "How to write a commit: one change, a subject that says what the code now does, a body that says why.", 1,
            """
            # Writing commits

            - One commit, one change: a reviewer should be able to read it in one sitting and revert it alone.
            - The subject line says what the software does now, in the present tense and plain words, under 72 characters
              ("Invoices export in the account's currency"), not what you did ("Fixed stuff").
            - The body, after a blank line, says why: the problem, the cause, and anything surprising about the fix.
              Wrap it at 72 characters.
            - Name the work item's key (WEB-42) in the body so the change can be traced back.
            - Never commit secrets, generated files or unrelated formatting changes.
            - Run the project's checks before committing; do not commit a failing build.
            """),
        new("reviewing-code", "How to review a change: correctness first, then tests, then readability; say what must change and why.", 1,
            """
            # Reviewing code

            1. Read the work item first: does the change do what was asked, and nothing else?
            2. Correctness: edge cases, error paths, concurrency, tenant isolation and input validation.
            3. Tests: is the new behaviour tested, and would the tests fail without the change?
            4. Security: secrets, injection, permissions and anything read from outside.
            5. Readability: names, size of functions, comments that say why.

            Write each finding with its file and line, what is wrong, why it matters and what to do instead. Mark what
            must change before merging apart from suggestions. Approve when only suggestions remain.
            """),
    ];

    public static bool IsGlobal(string id) => id.StartsWith(Prefix, StringComparison.Ordinal);

    public static GlobalSkill? Find(string id) => All.FirstOrDefault(s => s.Id == id || s.Name == id);
}
