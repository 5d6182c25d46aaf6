using System.CommandLine;
using Bosun.Cli.Commands;

namespace Bosun.Cli;

/// Commands that talk to a running Bosun over its REST API with a saved token.
public static class ClientCommands
{
    public static void Add(RootCommand root)
    {
        foreach (var command in SessionCommands.All())
        {
            root.Add(command);
        }

        root.Add(TenantCommands.Create());
        root.Add(UserCommands.Create());
        root.Add(AgentCommands.Create());
        root.Add(TokenCommands.Create());
        root.Add(SecretCommands.Create());
        root.Add(NotifyCommands.Create());
        root.Add(AccessCommands.Roles());
        root.Add(AccessCommands.Policies());
        root.Add(AccessCommands.Permissions());
        root.Add(ConnectionCommands.Create());
        root.Add(ProjectCommands.Create());
        root.Add(GoalCommands.Create());
        root.Add(PlanCommands.Create());
        root.Add(DeliverableCommands.Create());
        root.Add(ScheduleCommands.Create());
        root.Add(TemplateCommands.Create());
        root.Add(WorkCommands.Create());
        root.Add(ApprovalCommands.Create());
        root.Add(GitHubCommands.Create());
        root.Add(AgentSessionCommands.Create());
        root.Add(RuleCommands.Create());
        root.Add(SearchCommands.Create());
        root.Add(ContextCommands.Create());
        root.Add(ArtifactCommands.Create());
        root.Add(MemoryCommands.Create());
        root.Add(SkillCommands.Create());
        root.Add(DocumentCommands.Create());
        root.Add(QuestionCommands.Questions());
        root.Add(QuestionCommands.Answer());
        root.Add(AuditCommands.Create());
        root.Add(StatusCommand.Create());
    }
}
