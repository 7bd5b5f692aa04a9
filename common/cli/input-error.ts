/** Bad user input (an unknown name, a malformed value or file): the command lines report it with exit code 2. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

