/**
 * Every string the UI shows, in every language. English is the source: its keys define `MessageKey`, and each other
 * language is typed `Record<MessageKey, string>`, so a key missing (or misspelt) in one language fails `tsc`.
 * Placeholders are `{name}`; `test/i18n/dictionary.test.ts` checks every language uses the same placeholders.
 *
 * Accessible names come from here too, in every language (`a11y.ts` says which key names which control): mostly the
 * visible text, and the `a11y.*` keys for controls that show none.
 */
const en = {
  'app.name': 'Parley',
  'app.tagline': 'Simple, private 1:1 video calls in your browser.',
  'app.loading': 'Loading…',

  'lang.label': 'Language',

  'theme.label': 'Theme',
  'theme.system': 'System',
  'theme.light': 'Light',
  'theme.dark': 'Dark',

  'notify.body': 'Incoming call on Parley',
  'notify.offer': 'Get a notification when someone calls while Parley is in the background.',
  'notify.enable': 'Turn on notifications',
  'notify.notNow': 'Not now',

  'sound.blocked': 'The browser is blocking the ringtone.',
  'sound.enable': 'Click to enable sound',

  'a11y.historyMissed': 'Recent calls, {count} missed',
  'a11y.callBack': 'Call back {name}',
  'history.callBack': 'Call back',

  'a11y.mainNav': 'Main',
  'a11y.filterUsers': 'Filter users',
  'a11y.call': 'Call {name}',
  'a11y.callControls': 'Call controls',
  'a11y.callDuration': 'Call duration',
  'a11y.remoteVideo': 'Remote video',
  'a11y.localVideo': 'Your camera',

  'auth.title': 'Welcome to Parley',
  'auth.subtitle': 'Log in, or create an account in one step.',
  'auth.username': 'Username',
  'auth.password': 'Password',
  'auth.usernameHint': '3–32 characters: letters, digits, “.”, “_” or “-”.',
  'auth.passwordHint': 'At least 12 characters.',
  'auth.login': 'Log in',
  'auth.register': 'Create account',
  'auth.working': 'Please wait…',
  'auth.registered': 'Account created. Welcome, {name}!',
  'auth.sessionExpired': 'Your session has expired. Please log in again.',
  'auth.usernameMissing': 'Enter your username.',
  'auth.passwordMissing': 'Enter your password.',
  'auth.offerRegister': 'New to Parley? Create an account with this username and password.',
  'auth.registerAs': 'Create account “{name}”',

  'header.loggedInAs': 'Signed in as {name}',
  'header.logout': 'Log out',
  'nav.contacts': 'People',
  'nav.history': 'Recent calls',

  'users.title': 'People',
  'users.filter': 'Filter by name',
  'users.empty': 'Nobody else is here yet. Invite a friend to create an account.',
  'users.noMatch': 'Nobody matches “{query}”.',
  'users.online': 'Online',
  'users.offline': 'Offline',
  'users.call': 'Call',
  'users.offlineHint': 'Offline · rings if they come online',
  'users.onlineCount': '{count} online',

  'history.title': 'Recent calls',
  'history.empty': 'No calls yet.',
  'history.outgoing': 'Outgoing',
  'history.incoming': 'Incoming',
  'history.ringing': 'Ringing',
  'history.active': 'In progress',
  'history.answered': 'Answered',
  'history.refresh': 'Refresh',
  'history.loadMore': 'Show older calls',

  'status.signalingDown': 'Connection to the server lost. Reconnecting…',
  'status.offline': 'You are offline. Waiting for the network…',
  'status.dismiss': 'Dismiss',

  'outgoing.calling': 'Calling {name}…',
  'outgoing.placing': 'Starting the call…',
  'outgoing.ringing': 'Ringing',
  'outgoing.offline': '{name} is offline — we’ll ring them if they come online.',
  'outgoing.cancel': 'Cancel',

  'incoming.title': 'Incoming call',
  'incoming.from': '{name} is calling you',
  'incoming.accept': 'Accept',
  'incoming.decline': 'Decline',
  'incoming.titleFlash': '📞 {name} is calling…',

  'call.connecting': 'Connecting to {name}…',
  'call.withPeer': 'In a call with {name}',
  'call.mute': 'Mute',
  'call.unmute': 'Unmute',
  'call.cameraOff': 'Turn camera off',
  'call.cameraOn': 'Turn camera on',
  'call.shareScreen': 'Share screen',
  'call.stopSharing': 'Stop sharing',
  'call.hangUp': 'Hang up',
  'call.devices': 'Devices',
  'call.camera': 'Camera',
  'call.microphone': 'Microphone',
  'call.noDevice': 'None',
  'call.deviceDefault': 'Default',
  'call.you': 'You',
  'call.remoteCameraOff': 'Camera is off',
  'call.remoteMuted': '{name}’s microphone is off',
  'call.quality.good': 'Good connection',
  'call.quality.poor': 'Poor connection',
  'call.quality.lost': 'Connection lost',
  'call.quality.unknown': 'Checking connection…',
  'call.reconnecting.self': 'Your connection dropped. Reconnecting…',
  'call.reconnecting.peer': '{name}’s connection dropped. Waiting for them to come back…',
  'call.reconnecting.media': 'The video connection is interrupted. Reconnecting…',
  'call.audioBlocked': 'The browser paused the sound.',
  'call.enableSound': 'Play sound',

  'media.denied': 'Camera and microphone access was denied. You can still see and hear {name}.',
  'media.noDevices': 'No camera or microphone found. You can still see and hear {name}.',
  'media.noCamera': 'No camera available: this call is audio-only from your side.',
  'media.noMicrophone': 'No microphone available: {name} will not hear you.',
  'media.unsupported': 'This browser cannot use a camera or microphone here. You can still see and hear {name}.',
  'media.screenFailed': 'Screen sharing could not start.',
  'media.deviceFailed': 'That device could not be used.',

  'ended.hangup.local': 'Call ended.',
  'ended.hangup.remote': '{name} hung up.',
  'ended.cancelled.local': 'Call cancelled.',
  'ended.cancelled.remote': '{name} cancelled the call.',
  'ended.rejected.local': 'You declined the call from {name}.',
  'ended.rejected.remote': '{name} declined the call.',
  'ended.missed.caller': '{name} didn’t answer.',
  'ended.missed.offline': '{name} didn’t come online in time.',
  'ended.missed.callee': 'Missed call from {name}.',
  'ended.connectionLost': 'The call with {name} ended: connection lost.',
  'ended.serverRestart': 'The call with {name} ended: the server restarted.',
  'ended.answeredElsewhere': 'The call from {name} was answered on another device.',
  'ended.calleeBusy': '{name} is busy in another call.',
  'ended.callerBusy': 'You are already in a call on another device.',
  'ended.unavailable': '{name} can’t be called.',
  'ended.failed': 'The call with {name} could not be connected.',
  'ended.mediaFailed': 'Couldn’t connect the call’s media. A firewall or the relay server is blocking it.',
  'ended.duration': 'Duration {duration}.',

  'reason.hangup': 'Ended',
  'reason.cancelled': 'Cancelled',
  'reason.rejected': 'Declined',
  'reason.missed': 'Missed',
  'reason.connection_lost': 'Connection lost',
  'reason.server_restart': 'Server restart',

  'error.VALIDATION_FAILED': 'Please check the form: {details}',
  'error.INVALID_JSON': 'The request was malformed.',
  'error.UNKNOWN_MESSAGE_TYPE': 'The server did not understand a message.',
  'error.UNAUTHORIZED': 'Please log in again.',
  'error.INVALID_CREDENTIALS': 'Wrong username or password.',
  'error.FORBIDDEN': 'You are not allowed to do that.',
  'error.NOT_A_PARTICIPANT': 'You are not part of that call.',
  'error.NOT_FOUND': 'Not found.',
  'error.USER_NOT_FOUND': 'That user does not exist.',
  'error.CALL_NOT_FOUND': 'That call does not exist.',
  'error.USERNAME_TAKEN': 'That username is taken. Try another one.',
  'error.CANNOT_CALL_SELF': 'You cannot call yourself.',
  'error.CALLER_BUSY': 'You are already in a call.',
  'error.CALLEE_BUSY': 'That person is busy.',
  'error.CALL_NOT_RINGING': 'The call is no longer ringing.',
  'error.CALL_NOT_ACTIVE': 'The call is not active.',
  'error.CALL_ANSWERED_ELSEWHERE': 'The call was answered on another device.',
  'error.PAYLOAD_TOO_LARGE': 'The request was too large.',
  'error.UNSUPPORTED_MEDIA_TYPE': 'The request had the wrong format.',
  'error.REQUEST_TIMEOUT': 'The request took too long to arrive. Try again.',
  'error.HEADERS_TOO_LARGE': 'The request headers were too large.',
  'error.RATE_LIMITED': 'Too many attempts. Wait a minute and try again.',
  'error.INTERNAL_ERROR': 'Something went wrong on the server. Try again.',
  'error.NETWORK': 'Cannot reach the server. Check your connection.',
  'error.INVALID_RESPONSE': 'The server sent an answer the app does not understand. Reload the page and try again.',
  'error.UNKNOWN': 'Something went wrong. Try again.',
} as const;

export type MessageKey = keyof typeof en;
export type Dictionary = Record<MessageKey, string>;

const ru: Dictionary = {
  'app.name': 'Parley',
  'app.tagline': 'Простые и приватные видеозвонки один на один прямо в браузере.',
  'app.loading': 'Загрузка…',

  'lang.label': 'Язык',

  'theme.label': 'Тема',
  'theme.system': 'Как в системе',
  'theme.light': 'Светлая',
  'theme.dark': 'Тёмная',

  'notify.body': 'Входящий звонок в Parley',
  'notify.offer': 'Получайте уведомление о звонке, когда Parley открыт в фоне.',
  'notify.enable': 'Включить уведомления',
  'notify.notNow': 'Не сейчас',

  'sound.blocked': 'Браузер не даёт проиграть звонок.',
  'sound.enable': 'Нажмите, чтобы включить звук',

  'a11y.historyMissed': 'Недавние звонки, пропущено: {count}',
  'a11y.callBack': 'Перезвонить {name}',
  'history.callBack': 'Перезвонить',

  'a11y.mainNav': 'Основное меню',
  'a11y.filterUsers': 'Поиск людей',
  'a11y.call': 'Позвонить {name}',
  'a11y.callControls': 'Управление звонком',
  'a11y.callDuration': 'Длительность звонка',
  'a11y.remoteVideo': 'Видео собеседника',
  'a11y.localVideo': 'Ваша камера',

  'auth.title': 'Добро пожаловать в Parley',
  'auth.subtitle': 'Войдите или создайте аккаунт в один шаг.',
  'auth.username': 'Имя пользователя',
  'auth.password': 'Пароль',
  'auth.usernameHint': '3–32 символа: буквы, цифры, «.», «_» или «-».',
  'auth.passwordHint': 'Не меньше 12 символов.',
  'auth.login': 'Войти',
  'auth.register': 'Создать аккаунт',
  'auth.working': 'Подождите…',
  'auth.registered': 'Аккаунт создан. Добро пожаловать, {name}!',
  'auth.sessionExpired': 'Сеанс истёк. Войдите снова.',
  'auth.usernameMissing': 'Введите имя пользователя.',
  'auth.passwordMissing': 'Введите пароль.',
  'auth.offerRegister': 'Впервые в Parley? Создайте аккаунт с этим именем и паролем.',
  'auth.registerAs': 'Создать аккаунт «{name}»',

  'header.loggedInAs': 'Вы вошли как {name}',
  'header.logout': 'Выйти',
  'nav.contacts': 'Люди',
  'nav.history': 'Недавние звонки',

  'users.title': 'Люди',
  'users.filter': 'Поиск по имени',
  'users.empty': 'Здесь пока никого нет. Пригласите друга создать аккаунт.',
  'users.noMatch': 'Никто не подходит под «{query}».',
  'users.online': 'В сети',
  'users.offline': 'Не в сети',
  'users.call': 'Позвонить',
  'users.offlineHint': 'Не в сети · вызов дойдёт, если появится',
  'users.onlineCount': 'В сети: {count}',

  'history.title': 'Недавние звонки',
  'history.empty': 'Звонков пока не было.',
  'history.outgoing': 'Исходящий',
  'history.incoming': 'Входящий',
  'history.ringing': 'Идёт вызов',
  'history.active': 'Идёт разговор',
  'history.answered': 'Отвечен',
  'history.refresh': 'Обновить',
  'history.loadMore': 'Показать более ранние',

  'status.signalingDown': 'Связь с сервером потеряна. Переподключаемся…',
  'status.offline': 'Нет сети. Ждём подключения…',
  'status.dismiss': 'Закрыть',

  'outgoing.calling': 'Звоним {name}…',
  'outgoing.placing': 'Начинаем звонок…',
  'outgoing.ringing': 'Идёт вызов',
  'outgoing.offline': '{name} не в сети — позвоним, как только появится.',
  'outgoing.cancel': 'Отменить',

  'incoming.title': 'Входящий звонок',
  'incoming.from': '{name} звонит вам',
  'incoming.accept': 'Принять',
  'incoming.decline': 'Отклонить',
  'incoming.titleFlash': '📞 Звонит {name}…',

  'call.connecting': 'Соединяемся с {name}…',
  'call.withPeer': 'Разговор с {name}',
  'call.mute': 'Выключить микрофон',
  'call.unmute': 'Включить микрофон',
  'call.cameraOff': 'Выключить камеру',
  'call.cameraOn': 'Включить камеру',
  'call.shareScreen': 'Показать экран',
  'call.stopSharing': 'Остановить показ',
  'call.hangUp': 'Завершить',
  'call.devices': 'Устройства',
  'call.camera': 'Камера',
  'call.microphone': 'Микрофон',
  'call.noDevice': 'Нет',
  'call.deviceDefault': 'По умолчанию',
  'call.you': 'Вы',
  'call.remoteCameraOff': 'Камера выключена',
  'call.remoteMuted': 'У {name} выключен микрофон',
  'call.quality.good': 'Хорошая связь',
  'call.quality.poor': 'Слабая связь',
  'call.quality.lost': 'Связь потеряна',
  'call.quality.unknown': 'Проверяем связь…',
  'call.reconnecting.self': 'Ваше соединение прервалось. Переподключаемся…',
  'call.reconnecting.peer': 'У {name} пропала связь. Ждём возвращения…',
  'call.reconnecting.media': 'Видеосвязь прервалась. Восстанавливаем…',
  'call.audioBlocked': 'Браузер приостановил звук.',
  'call.enableSound': 'Включить звук',

  'media.denied': 'Доступ к камере и микрофону запрещён. Вы по-прежнему видите и слышите {name}.',
  'media.noDevices': 'Камера и микрофон не найдены. Вы по-прежнему видите и слышите {name}.',
  'media.noCamera': 'Камеры нет: с вашей стороны звонок только со звуком.',
  'media.noMicrophone': 'Микрофона нет: {name} вас не услышит.',
  'media.unsupported': 'Этот браузер не может использовать камеру и микрофон здесь. Вы по-прежнему видите и слышите {name}.',
  'media.screenFailed': 'Не удалось начать показ экрана.',
  'media.deviceFailed': 'Не удалось использовать это устройство.',

  'ended.hangup.local': 'Звонок завершён.',
  'ended.hangup.remote': '{name} завершил(а) звонок.',
  'ended.cancelled.local': 'Звонок отменён.',
  'ended.cancelled.remote': '{name} отменил(а) звонок.',
  'ended.rejected.local': 'Вы отклонили звонок от {name}.',
  'ended.rejected.remote': '{name} отклонил(а) звонок.',
  'ended.missed.caller': '{name} не ответил(а).',
  'ended.missed.offline': '{name} так и не появился(ась) в сети.',
  'ended.missed.callee': 'Пропущенный звонок от {name}.',
  'ended.connectionLost': 'Звонок с {name} прервался: потеряна связь.',
  'ended.serverRestart': 'Звонок с {name} прервался: сервер перезапустился.',
  'ended.answeredElsewhere': 'На звонок от {name} ответили на другом устройстве.',
  'ended.calleeBusy': '{name} сейчас разговаривает с кем-то другим.',
  'ended.callerBusy': 'Вы уже разговариваете на другом устройстве.',
  'ended.unavailable': 'Невозможно позвонить {name}.',
  'ended.failed': 'Не удалось соединиться с {name}.',
  'ended.mediaFailed': 'Не удалось соединить звук и видео звонка. Их блокирует брандмауэр или сервер-ретранслятор.',
  'ended.duration': 'Длительность {duration}.',

  'reason.hangup': 'Завершён',
  'reason.cancelled': 'Отменён',
  'reason.rejected': 'Отклонён',
  'reason.missed': 'Пропущен',
  'reason.connection_lost': 'Потеряна связь',
  'reason.server_restart': 'Перезапуск сервера',

  'error.VALIDATION_FAILED': 'Проверьте форму: {details}',
  'error.INVALID_JSON': 'Некорректный запрос.',
  'error.UNKNOWN_MESSAGE_TYPE': 'Сервер не понял сообщение.',
  'error.UNAUTHORIZED': 'Войдите снова.',
  'error.INVALID_CREDENTIALS': 'Неверное имя пользователя или пароль.',
  'error.FORBIDDEN': 'Это действие запрещено.',
  'error.NOT_A_PARTICIPANT': 'Вы не участник этого звонка.',
  'error.NOT_FOUND': 'Не найдено.',
  'error.USER_NOT_FOUND': 'Такого пользователя нет.',
  'error.CALL_NOT_FOUND': 'Такого звонка нет.',
  'error.USERNAME_TAKEN': 'Это имя уже занято. Попробуйте другое.',
  'error.CANNOT_CALL_SELF': 'Нельзя позвонить самому себе.',
  'error.CALLER_BUSY': 'Вы уже разговариваете.',
  'error.CALLEE_BUSY': 'Собеседник занят.',
  'error.CALL_NOT_RINGING': 'Вызов уже завершён.',
  'error.CALL_NOT_ACTIVE': 'Звонок не активен.',
  'error.CALL_ANSWERED_ELSEWHERE': 'На звонок ответили на другом устройстве.',
  'error.PAYLOAD_TOO_LARGE': 'Слишком большой запрос.',
  'error.UNSUPPORTED_MEDIA_TYPE': 'Неверный формат запроса.',
  'error.REQUEST_TIMEOUT': 'Запрос шёл слишком долго. Попробуйте ещё раз.',
  'error.HEADERS_TOO_LARGE': 'Слишком большие заголовки запроса.',
  'error.RATE_LIMITED': 'Слишком много попыток. Подождите минуту.',
  'error.INTERNAL_ERROR': 'На сервере что-то пошло не так. Попробуйте ещё раз.',
  'error.NETWORK': 'Сервер недоступен. Проверьте подключение.',
  'error.INVALID_RESPONSE': 'Сервер прислал ответ, который приложение не понимает. Обновите страницу и попробуйте снова.',
  'error.UNKNOWN': 'Что-то пошло не так. Попробуйте ещё раз.',
};

export const LANGUAGES = ['en', 'ru'] as const;
export type Language = (typeof LANGUAGES)[number];

export const DICTIONARIES: Readonly<Record<Language, Dictionary>> = { en, ru };

/** The self-name of each language, shown in the switch whatever the current language. */
export const LANGUAGE_NAMES: Readonly<Record<Language, string>> = { en: 'English', ru: 'Русский' };

type Placeholders<S extends string> = S extends `${string}{${infer P}}${infer Rest}` ? P | Placeholders<Rest> : never;

/** The placeholders a key's English text uses, e.g. `{ name: string }` for `'outgoing.calling'`. */
export type ParamsOf<K extends MessageKey> = K extends MessageKey
  ? [Placeholders<(typeof en)[K]>] extends [never]
    ? Record<string, never>
    : Record<Placeholders<(typeof en)[K]>, string | number>
  : never;

/** Fill `{placeholder}`s; an unknown placeholder is left visible rather than silently dropped. */
export function format(template: string, params: Readonly<Record<string, string | number>>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** Pick the language from `navigator.language`-style tags: Russian for `ru*`, English otherwise. */
export function pickLanguage(stored: string | null, browserLanguages: readonly string[]): Language {
  if (stored === 'en' || stored === 'ru') return stored;
  for (const tag of browserLanguages) {
    const base = tag.toLowerCase().split('-')[0];
    if (base === 'ru') return 'ru';
    if (base === 'en') return 'en';
  }
  return 'en';
}
