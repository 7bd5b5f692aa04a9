/** `bench render`: the exact prompt (or token ids) the suite would measure for a messages file. */
import { getModelSpec, getTemplateVariant, templateVariantsFor } from '../../common/assets/models.ts';
import type { TokenizerChoice } from '../../common/assets/tokenizer-choice.ts';
import { InputError } from '../../common/cli/input-error.ts';
import { DEFAULT_MESSAGES_LIMITS, readMessagesFile } from '../../common/cli/messages-file.ts';
import { createPreprocessor } from '../../common/measure/pipeline.ts';
import type { ChatMessage, EngineId } from '../../common/templates/engines.ts';
import type { CliIO } from '../../common/cli/cli-io.ts';

export interface RenderFlags {
  model: string;
  messages: string;
  template?: string;
  engine: EngineId;
  tokenizer: TokenizerChoice;
  ids?: boolean;
  /** --max-messages-mb and --max-message-chars (common/cli/messages-file.ts); defaults when absent. */
  maxMessagesMb?: number;
  maxMessageChars?: number;
}

const THINK_END = '</think>';

/**
 * The messages of which the prompt holds nothing: a template renders no text for a role it does not
 * know (Qwen3 for 'developer'). A message counts as rendered when its content, trimmed, is in the
 * prompt — for an assistant's, the part after its reasoning (templates drop `<think>…</think>` of past turns).
 */
export function droppedMessages(messages: readonly ChatMessage[], prompt: string): number[] {
  return messages.flatMap((m, i) => {
    // An assistant's tool call may carry no content (null): nothing to look for.
    if (typeof m.content !== 'string') return [];
    const reasoningEnd = m.content.lastIndexOf(THINK_END);
    const shown = (m.role === 'assistant' && reasoningEnd >= 0 ? m.content.slice(reasoningEnd + THINK_END.length) : m.content).trim();
    return shown !== '' && !prompt.includes(shown) ? [i] : [];
  });
}

export async function renderCommand(flags: RenderFlags, io: CliIO): Promise<number> {
  let template: string;
  let chat;
  try {
    const model = getModelSpec(flags.model).id;
    template = flags.template ? getTemplateVariant(flags.template).id : templateVariantsFor([model])[0].id;
    if (getTemplateVariant(template).model !== model) {
      io.stderr(`error: template '${template}' belongs to model '${getTemplateVariant(template).model}', not '${model}'\n`);
      return 2;
    }
    chat = readMessagesFile(flags.messages, { fileMb: flags.maxMessagesMb ?? DEFAULT_MESSAGES_LIMITS.fileMb, messageChars: flags.maxMessageChars ?? DEFAULT_MESSAGES_LIMITS.messageChars });
  } catch (err) {
    if (err instanceof InputError) {
      io.stderr(`error: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const pre = await createPreprocessor({ template, engine: flags.engine, tokenizer: flags.tokenizer });
  let prompt: string;
  try {
    prompt = pre.render(chat.messages, chat.tools ? { tools: chat.tools } : {});
  } catch (err) {
    io.stderr(`error: ${flags.engine} cannot render template '${template}' for ${flags.messages}: ${(err as Error).message}\n`);
    return 1;
  }
  const ids = await pre.tokenize(prompt);
  if (flags.ids) io.stdout(JSON.stringify(ids) + '\n');
  else io.stdout(prompt);
  io.stderr(`\n${ids.length} tokens (template ${template}, engine ${flags.engine}, tokenizer ${flags.tokenizer})\n`);
  for (const i of droppedMessages(chat.messages, prompt)) io.stderr(`warning: message ${i} (role '${chat.messages[i].role}') is not in the prompt: template '${template}' rendered none of its content\n`);
  return 0;
}
